package web

import (
	"github.com/prometheus/client_golang/prometheus"
)

// replicaCollector exports each read replica's state at scrape time, labelled by the replica's name.
type replicaCollector struct {
	replicas                 func() []ReplicaStatus
	up, serving, bytes, secs *prometheus.Desc
}

func newReplicaCollector(replicas func() []ReplicaStatus) *replicaCollector {
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("sqpdash_read_replica_"+name, help, []string{"replica"}, nil)
	}
	return &replicaCollector{
		replicas: replicas,
		up:       desc("up", "1 when the last check reached the read replica and it is a hot standby in recovery."),
		serving:  desc("serving", "1 when the read replica takes reads (up and lagging at most the limit)."),
		bytes:    desc("lag_bytes", "Bytes of WAL the read replica has not replayed yet, at the last check."),
		secs:     desc("lag_seconds", "How long ago the primary was at a WAL position the read replica has not replayed, at the last check."),
	}
}

// Describe implements prometheus.Collector.
func (r *replicaCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- r.up
	ch <- r.serving
	ch <- r.bytes
	ch <- r.secs
}

// Collect implements prometheus.Collector.
func (r *replicaCollector) Collect(ch chan<- prometheus.Metric) {
	flag := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	for _, st := range r.replicas() {
		ch <- prometheus.MustNewConstMetric(r.up, prometheus.GaugeValue, flag(st.Up), st.Name)
		ch <- prometheus.MustNewConstMetric(r.serving, prometheus.GaugeValue, flag(st.Serving), st.Name)
		ch <- prometheus.MustNewConstMetric(r.bytes, prometheus.GaugeValue, float64(st.LagBytes), st.Name)
		ch <- prometheus.MustNewConstMetric(r.secs, prometheus.GaugeValue, st.Lag.Seconds(), st.Name)
	}
}

// observeReplicas adds the read replicas' metrics; a second server on the same Metrics adds nothing.
func (m *Metrics) observeReplicas(replicas func() []ReplicaStatus) {
	err := m.registry.Register(newReplicaCollector(replicas))
	if _, dup := err.(prometheus.AlreadyRegisteredError); err != nil && !dup {
		panic(err) // a programming error: the descriptors are fixed
	}
}

package web

import (
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sqpdash/sqpdash/internal/refreshlog"
)

// PoolStats is a snapshot of the database pool, in plain numbers so that web needs no pgx import.
type PoolStats struct {
	AcquiredConns, IdleConns, TotalConns, MaxConns int32
	AcquireCount, EmptyAcquireCount                int64
	CanceledAcquireCount, NewConnsCount            int64
	AcquireDuration                                time.Duration
}

// Metrics holds the Prometheus collectors of one server on its own registry (no global state, so tests
// can build several servers in one process).
type Metrics struct {
	registry        *prometheus.Registry
	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	refreshes       *prometheus.CounterVec
	refreshDuration *prometheus.HistogramVec
	lastSuccess     prometheus.Gauge
}

// NewMetrics registers the HTTP, refresh, pool, Go runtime and process metrics. poolStats may be nil.
func NewMetrics(poolStats func() PoolStats) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sqpdash_http_requests_total",
			Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "status"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sqpdash_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern, method and status code.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method", "status"}),
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sqpdash_segments_refresh_total",
			Help: "Calls of the segments refresh by trigger and outcome (success, skipped, failed, cancelled, busy).",
		}, []string{"trigger", "status"}),
		refreshDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sqpdash_segments_refresh_duration_seconds",
			Help:    "Duration of segments refresh calls by trigger and outcome.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600},
		}, []string{"trigger", "status"}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sqpdash_segments_last_success_timestamp_seconds",
			Help: "Unix time when the last successful segments refresh ended (0: none seen).",
		}),
	}
	m.registry.MustRegister(m.requests, m.requestDuration, m.refreshes, m.refreshDuration, m.lastSuccess,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if poolStats != nil {
		m.registry.MustRegister(newPoolCollector(poolStats))
	}
	return m
}

// ObserveRefresh implements refresh.Observer.
func (m *Metrics) ObserveRefresh(req refreshlog.Request, out refreshlog.Outcome, took time.Duration) {
	m.refreshes.WithLabelValues(string(req.Trigger), string(out.Status)).Inc()
	m.refreshDuration.WithLabelValues(string(req.Trigger), string(out.Status)).Observe(took.Seconds())
	if out.Status == refreshlog.StatusSuccess {
		m.SetLastSuccess(out.End)
	}
}

// SetLastSuccess records when the last successful refresh ended; serve seeds it from the log on start.
func (m *Metrics) SetLastSuccess(t time.Time) {
	if !t.IsZero() {
		m.lastSuccess.Set(float64(t.UnixNano()) / 1e9)
	}
}

func (m *Metrics) observeRequest(route, method string, status int, took time.Duration) {
	code := strconv.Itoa(status)
	m.requests.WithLabelValues(route, method, code).Inc()
	m.requestDuration.WithLabelValues(route, method, code).Observe(took.Seconds())
}

// handleMetrics serves GET /metrics in the Prometheus text format.
func handleMetrics(m *Metrics) echo.HandlerFunc {
	h := promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
	return echo.WrapHandler(h)
}

// poolCollector reads the pool statistics at scrape time.
type poolCollector struct {
	stats   func() PoolStats
	metrics []poolMetric
}

type poolMetric struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(PoolStats) float64
}

func newPoolCollector(stats func() PoolStats) *poolCollector {
	metric := func(name, help string, kind prometheus.ValueType, value func(PoolStats) float64) poolMetric {
		return poolMetric{desc: prometheus.NewDesc("sqpdash_db_pool_"+name, help, nil, nil), kind: kind, value: value}
	}
	gauge, counter := prometheus.GaugeValue, prometheus.CounterValue
	return &poolCollector{stats: stats, metrics: []poolMetric{
		metric("acquired_connections", "Connections in use.", gauge, func(s PoolStats) float64 { return float64(s.AcquiredConns) }),
		metric("idle_connections", "Idle connections.", gauge, func(s PoolStats) float64 { return float64(s.IdleConns) }),
		metric("total_connections", "Open connections.", gauge, func(s PoolStats) float64 { return float64(s.TotalConns) }),
		metric("max_connections", "Maximum pool size.", gauge, func(s PoolStats) float64 { return float64(s.MaxConns) }),
		metric("acquires_total", "Successful connection acquisitions.", counter, func(s PoolStats) float64 { return float64(s.AcquireCount) }),
		metric("empty_acquires_total", "Acquisitions that had to wait for a connection.", counter, func(s PoolStats) float64 { return float64(s.EmptyAcquireCount) }),
		metric("canceled_acquires_total", "Acquisitions cancelled by their context.", counter, func(s PoolStats) float64 { return float64(s.CanceledAcquireCount) }),
		metric("new_connections_total", "Connections opened.", counter, func(s PoolStats) float64 { return float64(s.NewConnsCount) }),
		metric("acquire_duration_seconds_total", "Time spent acquiring connections.", counter, func(s PoolStats) float64 { return s.AcquireDuration.Seconds() }),
	}}
}

// Describe implements prometheus.Collector.
func (p *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range p.metrics {
		ch <- m.desc
	}
}

// Collect implements prometheus.Collector.
func (p *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := p.stats()
	for _, m := range p.metrics {
		ch <- prometheus.MustNewConstMetric(m.desc, m.kind, m.value(s))
	}
}

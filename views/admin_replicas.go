package views

import (
	"fmt"
	"time"
)

// ReadReplicas is the read replicas section of the admin page: each hot standby the server reads from
// and its replication lag.
type ReadReplicas struct {
	MaxLag string // "30s"
	Rows   []ReadReplicaRow
}

// ReadReplicaRow is one standby, every value formatted.
type ReadReplicaRow struct {
	Name     string
	Serving  bool
	State    string // "serving", or why not
	LagBytes string // "1.2 MB"
	Lag      string // "0.4 s"
	Checked  string
}

// ReadReplicaInput is one standby as the server knows it.
type ReadReplicaInput struct {
	Name      string
	Serving   bool
	Problem   string
	LagBytes  int64
	Lag       time.Duration
	CheckedAt time.Time
}

// NewReadReplicas formats the standbys' states.
func NewReadReplicas(maxLag time.Duration, in []ReadReplicaInput) ReadReplicas {
	r := ReadReplicas{MaxLag: maxLag.String()}
	for _, st := range in {
		row := ReadReplicaRow{
			Name:     st.Name,
			Serving:  st.Serving,
			State:    "serving reads",
			LagBytes: adminBytes(st.LagBytes),
			Lag:      fmt.Sprintf("%.1f s", st.Lag.Seconds()),
			Checked:  "never",
		}
		if !st.Serving {
			row.State = "no reads: " + st.Problem
		}
		if !st.CheckedAt.IsZero() {
			row.Checked = adminTime(st.CheckedAt)
		}
		r.Rows = append(r.Rows, row)
	}
	return r
}

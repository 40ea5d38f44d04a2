// Package events is the vocabulary of the notifications every sqpdash process receives on the database
// channel sqpdash_events (sent by triggers and definer functions of schema.hcl, so every writer notifies,
// the CLI included) and the in-process caches that may be trusted only because of them.
//
// A process keeps its caches (sessions, the data version) only while its listener connection is up: a
// notification sent while it was down is lost, so on a disconnection every subscriber stops trusting what
// it holds, and on a reconnection it starts again from what it reads after LISTEN.
package events

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
)

// Channel is the one LISTEN/NOTIFY channel of sqpdash.
const Channel = "sqpdash_events"

// Kinds of event.
const (
	// KindData: the data the dashboard reads changed (a base-table statement or a successful refresh);
	// Version is the new data version.
	KindData = "data"
	// KindSession: sessions of User were deleted or changed (logout, expiry, an admin's DELETE).
	KindSession = "session"
	// KindUser: User was disabled, deleted, or their role, brands, email or password changed. An empty
	// User means every user (TRUNCATE).
	KindUser = "user"
)

// Event is one notification's payload: small JSON such as {"kind":"data","version":"12.3"} or
// {"kind":"user","user":"<uuid>"}.
type Event struct {
	Kind    string `json:"kind"`
	Version string `json:"version,omitempty"`
	User    string `json:"user,omitempty"`
}

// Parse reads a notification payload.
func Parse(payload string) (Event, error) {
	var e Event
	if err := json.Unmarshal([]byte(payload), &e); err != nil {
		return Event{}, fmt.Errorf("parse event %q: %w", payload, err)
	}
	switch e.Kind {
	case KindData:
		if _, err := ParseVersion(e.Version); err != nil {
			return Event{}, fmt.Errorf("parse event %q: %w", payload, err)
		}
	case KindSession, KindUser:
	default:
		return Event{}, fmt.Errorf("parse event %q: unknown kind", payload)
	}
	return e, nil
}

// Version is a data version (postgres.DB.DataVersion, "<change_seq>.<refresh id>"). Both parts only grow.
type Version struct {
	Seq, Refresh int64
}

// ParseVersion reads "<change_seq>.<refresh id>".
func ParseVersion(s string) (Version, error) {
	a, b, ok := strings.Cut(s, ".")
	seq, err1 := strconv.ParseInt(a, 10, 64)
	ref, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || seq < 0 || ref < 0 {
		return Version{}, fmt.Errorf("data version %q: want <change_seq>.<refresh id>", s)
	}
	return Version{Seq: seq, Refresh: ref}, nil
}

// AtLeast reports whether v has seen everything o has: both counters as high or higher.
func (v Version) AtLeast(o Version) bool { return v.Seq >= o.Seq && v.Refresh >= o.Refresh }

// Max is the newest of both counters.
func (v Version) Max(o Version) Version {
	return Version{Seq: max(v.Seq, o.Seq), Refresh: max(v.Refresh, o.Refresh)}
}

// Subscriber is a cache fed by the listener.
type Subscriber interface {
	// Connected: the listener is listening again; what was cached before may have missed events and
	// must be dropped, and what is read from now on may be kept.
	Connected()
	// Disconnected: events may be missed from now on; nothing cached may be trusted.
	Disconnected()
	// Event: one notification.
	Event(Event)
}

// Hub turns the listener's callbacks (postgres.DB.ListenEvents) into calls to its subscribers, and
// remembers whether the listener is up (for /readyz-like checks and tests).
type Hub struct {
	log  *slog.Logger
	subs []Subscriber

	mu        sync.Mutex
	up        bool
	connects  int
	listeners []chan struct{}
}

// NewHub returns a hub feeding subs; log receives disconnections and unreadable payloads.
func NewHub(log *slog.Logger, subs ...Subscriber) *Hub {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Hub{log: log, subs: subs}
}

// Connected is called once LISTEN is in effect, with the data version read on the listening connection
// right after it: the newest version any cache may have to catch up with (a replica's read may be older).
func (h *Hub) Connected(version string) {
	for _, s := range h.subs {
		s.Connected()
	}
	if _, err := ParseVersion(version); err == nil {
		h.deliver(Event{Kind: KindData, Version: version})
	}
	h.mu.Lock()
	h.up = true
	h.connects++
	h.wake()
	h.mu.Unlock()
	h.log.Info("listening for events", "channel", Channel, "data_version", version)
}

// Disconnected is called when the listening connection is lost (err) or closed (nil).
func (h *Hub) Disconnected(err error) {
	// Subscribers first, as in Connected: whoever State or Changed tells of the disconnection finds
	// every cache already off.
	for _, s := range h.subs {
		s.Disconnected()
	}
	h.mu.Lock()
	h.up = false
	h.wake()
	h.mu.Unlock()
	if err != nil {
		h.log.Warn("event listener disconnected: caches are bypassed until it reconnects", "err", err)
	}
}

// Notified is called with each payload received on Channel.
func (h *Hub) Notified(payload string) {
	e, err := Parse(payload)
	if err != nil {
		h.log.Warn("ignore event", "err", err)
		return
	}
	h.deliver(e)
}

func (h *Hub) deliver(e Event) {
	for _, s := range h.subs {
		s.Event(e)
	}
}

// State reports whether the listener is up and how many times it has connected.
func (h *Hub) State() (up bool, connects int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.up, h.connects
}

// Changed returns a channel closed at the next connection or disconnection, so a caller can wait for
// one instead of polling.
func (h *Hub) Changed() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	ch := make(chan struct{})
	h.listeners = append(h.listeners, ch)
	return ch
}

// wake closes the channels of Changed; h.mu is held.
func (h *Hub) wake() {
	for _, ch := range h.listeners {
		close(ch)
	}
	h.listeners = nil
}

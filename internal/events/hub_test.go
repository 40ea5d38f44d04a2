package events_test

import (
	"testing"

	"github.com/sqpdash/sqpdash/internal/events"
)

// gateSubscriber blocks in Disconnected until released, telling when it has been entered.
type gateSubscriber struct {
	entered chan struct{}
	release chan struct{}
}

func (g gateSubscriber) Connected()         {}
func (g gateSubscriber) Event(events.Event) {}
func (g gateSubscriber) Disconnected() {
	close(g.entered)
	<-g.release
}

// TestHubReportsDisconnectionAfterItsSubscribers: whoever waits on Changed or reads State learns of a
// disconnection only once every subscriber is off, so a request made right after it never finds a cache
// still trusting what it kept (TestSessionCache's "while the listener is down" raced this once).
func TestHubReportsDisconnectionAfterItsSubscribers(t *testing.T) {
	sub := gateSubscriber{entered: make(chan struct{}), release: make(chan struct{})}
	hub := events.NewHub(nil, sub)
	hub.Connected("")
	changed := hub.Changed()
	done := make(chan struct{})
	go func() {
		defer close(done)
		hub.Disconnected(nil)
	}()
	<-sub.entered
	select {
	case <-changed:
		t.Fatal("Changed fired while a subscriber was still turning off")
	default:
	}
	if up, _ := hub.State(); !up {
		t.Fatal("State is down while a subscriber is still turning off")
	}
	close(sub.release)
	<-changed
	<-done
	if up, _ := hub.State(); up {
		t.Fatal("State is still up after the disconnection")
	}
}

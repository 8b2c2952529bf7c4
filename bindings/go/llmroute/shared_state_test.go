package llmroute_test

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

// startRedis runs a redis-server on a free loopback port for the test, or skips without one.
func startRedis(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("no redis-server")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			fmt.Fprint(c, "PING\r\n")
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "+PONG") {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Skip("redis-server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "redis://" + addr
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Another instance's trip reaches this router's Go listener on the library's own
// synchronisation thread (the one thread llmroute starts), not on any goroutine of the test.
func TestSharedStateTripArrivesOnTheLibrarysThread(t *testing.T) {
	url := startRedis(t)
	prefix := fmt.Sprintf("gotest-%d:", time.Now().UnixNano())
	var routers []*llmroute.Router
	for i := 0; i < 2; i++ {
		o := llmroute.DefaultOptions()
		o.BreakerJitter = 0
		o.SharedState = &llmroute.SharedStateOptions{URL: url, KeyPrefix: prefix, SyncInterval: 10 * time.Millisecond}
		r := newRouter(t, &o, dep("x", 0, "m"), dep("y", 0, "m"))
		routers = append(routers, r)
	}
	a, b := routers[0], routers[1]
	waitFor(t, "both connected", func() bool {
		sa, _ := a.SharedStateStatus()
		sb, _ := b.SharedStateStatus()
		return sa.Connected && sb.Connected
	})
	rec := &recorder{}
	b.SetEventListener(rec.listen)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	me := syscall.Gettid()
	for i := 0; i < 5; i++ {
		p, err := a.PickWith("m", &llmroute.PickOptions{Exclude: []string{"y"}})
		if err != nil {
			t.Fatal(err)
		}
		a.ReportOutcome(p.Ticket, llmroute.OutcomeServerError, time.Millisecond)
	}
	if h, _ := a.Health("x"); h.State != llmroute.BreakerOpen {
		t.Fatalf("x did not trip on a: %+v", h)
	}
	waitFor(t, "the trip on b", func() bool {
		events, _ := rec.snapshot()
		return len(breakerEvents(events)) > 0
	})
	events, tids := rec.snapshot()
	e := breakerEvents(events)[0]
	if e.Deployment != "x" || e.To != llmroute.BreakerOpen {
		t.Fatalf("event %+v", e)
	}
	if tids[0] == me {
		t.Fatal("the remote trip was delivered on the test's thread")
	}
	if h, _ := b.Health("x"); h.State != llmroute.BreakerOpen {
		t.Fatalf("x is not open on b: %+v", h)
	}
	if s, _ := b.SharedStateStatus(); s.RemoteOpens < 1 || s.Syncs < 1 {
		t.Fatalf("b's status %+v", s)
	}
	// Closing b stops its synchronisation thread; its listener and handles are released.
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
}

// A listener that closes its router when a remote trip arrives on the library's synchronisation
// thread does not deadlock (destroying would join that very thread): the router is destroyed
// from another thread once the event returns, and later calls fail with ErrClosed.
func TestCloseFromTheSharedStateThreadsListener(t *testing.T) {
	url := startRedis(t)
	prefix := fmt.Sprintf("gotest-close-%d:", time.Now().UnixNano())
	var routers []*llmroute.Router
	for i := 0; i < 2; i++ {
		o := llmroute.DefaultOptions()
		o.BreakerJitter = 0
		o.SharedState = &llmroute.SharedStateOptions{URL: url, KeyPrefix: prefix, SyncInterval: 10 * time.Millisecond}
		routers = append(routers, newRouter(t, &o, dep("x", 0, "m"), dep("y", 0, "m")))
	}
	a, b := routers[0], routers[1]
	waitFor(t, "both connected", func() bool {
		sa, _ := a.SharedStateStatus()
		sb, _ := b.SharedStateStatus()
		return sa.Connected && sb.Connected
	})
	b.SetEventListener(func(e llmroute.Event) {
		if e.Kind == llmroute.EventBreaker {
			b.Close()
		}
	})
	for i := 0; i < 5; i++ {
		p, err := a.PickWith("m", &llmroute.PickOptions{Exclude: []string{"y"}})
		if err != nil {
			t.Fatal(err)
		}
		a.ReportOutcome(p.Ticket, llmroute.OutcomeServerError, time.Millisecond)
	}
	waitFor(t, "b closed by its listener", func() bool {
		_, err := b.Pick("m")
		return errors.Is(err, llmroute.ErrClosed)
	})
	if err := b.Close(); err != nil { // returns once the destroy on the other thread is done
		t.Fatal(err)
	}
}

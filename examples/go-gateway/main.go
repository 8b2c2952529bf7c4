// go-gateway: an OpenAI-compatible HTTP gateway that routes with llmroute (README.md).
//
//	go-gateway -config gateway.json [-listen 127.0.0.1:8080] [-log-level info] [-log-format json]
//	go-gateway -check-config gateway.json     validate and exit (0: valid)
//	go-gateway -quickstart                    in front of a fake local upstream
//
// Endpoints: POST /v1/chat/completions (streamed or not), GET /v1/models, GET /metrics
// (Prometheus), GET /livez, /readyz, /healthz. SIGHUP reloads the configuration file;
// SIGINT/SIGTERM drain and stop.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/llmroute/llmroute/bindings/go/llmroute"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "go-gateway:", err)
		os.Exit(1)
	}
}

// sharedStatePoll: how often the shared state status is checked for a lost or recovered Redis
// (it reads atomics; llmroute exchanges with Redis every second by default).
const sharedStatePoll = 250 * time.Millisecond

// accessLogFlush: access log lines are written in batches, at most this late (linebuffer.go).
const accessLogFlush = 100 * time.Millisecond

func run(args []string, stdout, logOut io.Writer) error {
	fs := flag.NewFlagSet("go-gateway", flag.ContinueOnError)
	fs.SetOutput(logOut)
	configPath := fs.String("config", "gateway.json", "the configuration: llmroute's plus a \"_gateway\" section")
	listen := fs.String("listen", "", "address to listen on (default: _gateway.listen, else 127.0.0.1:8080)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	logFormat := fs.String("log-format", "text", "text (key=value) or json (one JSON object a line, for log shippers)")
	accessLog := fs.Bool("access-log", true, "log one line per chat request (model, deployment, attempts, status, latency, tokens)")
	checkConfig := fs.String("check-config", "", "validate this configuration file (the gateway's section and llmroute's) and exit")
	quickstart := fs.Bool("quickstart", false, "serve in front of two fake upstreams in this process (no configuration file, no keys)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags only; see -h)", fs.Arg(0))
	}
	if *checkConfig != "" {
		return checkConfigFile(*checkConfig, stdout)
	}
	lines := newLineBuffer(logOut, accessLogFlush)
	defer lines.Close()
	log, err := newLogger(lines.direct(), *logFormat, *logLevel)
	if err != nil {
		return err
	}

	var cfg *config
	source := *configPath
	if *quickstart {
		source = "-quickstart"
		c, stop, err := startQuickstartUpstreams()
		if err != nil {
			return fmt.Errorf("-quickstart: %w", err)
		}
		defer stop()
		cfg = c
	} else if cfg, err = loadConfig(*configPath); err != nil {
		return fmt.Errorf("%s: %w", *configPath, err)
	}
	router, err := llmroute.NewFromConfig(cfg.raw, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", source, err)
	}
	defer router.Close()
	gw := newGateway(router, cfg, log)
	if *accessLog && log.Enabled(context.Background(), slog.LevelInfo) {
		gw.access = newAccessLog(lines, *logFormat == "json")
	}

	addr := *listen
	if addr == "" {
		addr = cfg.gateway.Listen
	}
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: gw.handler(), ReadHeaderTimeout: 10 * time.Second}
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(signals)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	watchCtx, stopWatch := context.WithCancel(context.Background())
	defer stopWatch()
	go gw.watchSharedState(watchCtx, sharedStatePoll)
	go gw.scrapeEngines(watchCtx, time.Duration(cfg.gateway.EngineScrapeIntervalMs)*time.Millisecond, log)
	base := "http://" + ln.Addr().String()
	log.Info("listening", "addr", base, "llmroute", llmroute.LibraryVersion(),
		"deployments", len(cfg.gateway.Upstreams))
	if *quickstart {
		go func() {
			if err := quickstartDemo(base, stdout); err != nil {
				log.Error("quickstart", "err", err)
			}
		}()
	}

	for {
		select {
		case err := <-served:
			return err
		case s := <-signals:
			if s == syscall.SIGHUP {
				if *quickstart {
					log.Warn("SIGHUP ignored: -quickstart has no configuration file")
				} else {
					gw.reloadFile(*configPath)
				}
				continue
			}
			log.Info("shutting down", "signal", s.String())
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			err := srv.Shutdown(ctx)
			cancel()
			if errors.Is(err, context.DeadlineExceeded) {
				srv.Close()
			}
			return nil
		}
	}
}

// newLogger makes the gateway's logger: slog's text or JSON handler at level.
func newLogger(out io.Writer, format, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("-log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(out, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(out, opts)), nil
	}
	return nil, fmt.Errorf("-log-format: %q is not text or json", format)
}

// go-gateway: an OpenAI-compatible HTTP gateway that routes with llmroute (README.md).
//
//	go-gateway -config gateway.json [-listen 127.0.0.1:8080] [-log-level info]
//
// Endpoints: POST /v1/chat/completions (streamed or not), GET /v1/models, GET /metrics
// (Prometheus), GET /healthz. SIGHUP reloads the configuration file; SIGINT/SIGTERM drain and
// stop.
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
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "go-gateway:", err)
		os.Exit(1)
	}
}

func run(args []string, logOut io.Writer) error {
	fs := flag.NewFlagSet("go-gateway", flag.ContinueOnError)
	fs.SetOutput(logOut)
	configPath := fs.String("config", "gateway.json", "the configuration: llmroute's plus a \"_gateway\" section")
	listen := fs.String("listen", "", "address to listen on (default: _gateway.listen, else 127.0.0.1:8080)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: level}))

	cfg, err := loadConfig(*configPath)
	if err != nil {
		return fmt.Errorf("%s: %w", *configPath, err)
	}
	router, err := llmroute.NewFromConfig(cfg.raw, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", *configPath, err)
	}
	defer router.Close()
	gw := newGateway(router, cfg, log)

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
	log.Info("listening", "addr", "http://"+ln.Addr().String(), "llmroute", llmroute.LibraryVersion(),
		"deployments", len(cfg.gateway.Upstreams))

	for {
		select {
		case err := <-served:
			return err
		case s := <-signals:
			if s == syscall.SIGHUP {
				gw.reloadFile(*configPath)
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

package main

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestOnlyLoopback(t *testing.T) {
	for _, a := range []string{"127.0.0.1:1", "127.8.9.10:80", "[::1]:9"} {
		if err := loopback(a); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
	for _, a := range []string{"10.0.0.1:80", "192.168.1.2:80", "example.com:80", "0.0.0.0:80", ":80", "x"} {
		if err := loopback(a); err == nil {
			t.Errorf("%s accepted", a)
		}
	}
	for _, args := range [][]string{
		{"-url", "http://10.1.2.3:80/v1/chat/completions"},
		{"-url", "http://127.0.0.1:1/x", "-d", "2m"},
	} {
		if err := load(args); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

// TestLoadThroughProxy: a short bounded run of the three pieces, all on 127.0.0.1.
func TestLoadThroughProxy(t *testing.T) {
	up, px := freeAddr(t), freeAddr(t)
	go upstream([]string{"-listen", up})
	go proxy([]string{"-listen", px, "-target", "http://" + up})
	for _, a := range []string{up, px} {
		deadline := time.Now().Add(10 * time.Second)
		for {
			c, err := net.Dial("tcp", a)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s does not listen", a)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	resp, err := http.Post("http://"+px+"/v1/chat/completions", "application/json", strings.NewReader(requestBody))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", err, resp)
	}
	resp.Body.Close()
	if err := load([]string{"-url", "http://" + px + "/v1/chat/completions", "-c", "2", "-d", "200ms"}); err != nil {
		t.Fatal(err)
	}
	if err := load([]string{"-url", "http://" + px + "/v1/chat/completions", "-c", "2", "-d", "200ms", "-rate", "50"}); err != nil {
		t.Fatal(err)
	}
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

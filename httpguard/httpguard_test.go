package httpguard

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// serve runs a real http.Server on 127.0.0.1 with the guard around h.
func serve(t *testing.T, h http.Handler, perAddr int, opt Options) (*Listener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gl := NewListener(ln, perAddr)
	srv := &http.Server{Handler: Handler(h, opt), ReadHeaderTimeout: opt.BodyTimeout, IdleTimeout: opt.BodyTimeout}
	go srv.Serve(gl)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		srv.Close()
	})
	return gl, ln.Addr().String()
}

// echoBody answers with the length of the body it read, or the error.
var echoBody = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fmt.Fprintf(w, "%d", len(b))
})

// TestSlowBodiesAreCutOff: many connections each sending one byte of a body
// every 300ms are all closed by the server within the body timeout (plus
// slack), while a prompt request on another connection is served.
func TestSlowBodiesAreCutOff(t *testing.T) {
	const (
		conns   = 50
		timeout = 700 * time.Millisecond
	)
	_, addr := serve(t, echoBody, 0, Options{BodyTimeout: timeout})
	var wg sync.WaitGroup
	held := make(chan time.Duration, conns)
	for range conns {
		wg.Go(func() {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			start := time.Now()
			fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
			for time.Since(start) < 10*time.Second {
				if _, err := c.Write([]byte{'a'}); err != nil {
					break
				}
				// A closed connection shows as EOF (or a reset) on read.
				c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
				if _, err := c.Read(make([]byte, 512)); err != nil && !isTimeout(err) {
					break
				}
			}
			held <- time.Since(start)
		})
	}
	resp, err := http.Post("http://"+addr+"/", "text/plain", strings.NewReader("prompt"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "6" {
		t.Errorf("prompt request: %d %q", resp.StatusCode, body)
	}
	wg.Wait()
	close(held)
	longest := time.Duration(0)
	for d := range held {
		longest = max(longest, d)
	}
	t.Logf("%d slow connections, the longest held %v (body timeout %v)", conns, longest, timeout)
	if longest > timeout+2*time.Second {
		t.Errorf("a slow connection stayed open %v with a body timeout of %v", longest, timeout)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// TestLongPollNotCutOff: a request without a body may take longer than the
// body timeout, and one whose body came promptly may be handled longer too.
func TestLongPollNotCutOff(t *testing.T) {
	const timeout = 300 * time.Millisecond
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		select {
		case <-time.After(3 * timeout):
			io.WriteString(w, "late")
		case <-r.Context().Done():
		}
	})
	_, addr := serve(t, slow, 0, Options{BodyTimeout: timeout})
	for _, body := range []string{"", "prompt body"} {
		req, _ := http.NewRequest("POST", "http://"+addr+"/", strings.NewReader(body))
		if body == "" {
			req.Method, req.Body = "GET", nil
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("body %q: %v", body, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "late" {
			t.Errorf("body %q: answer %d %q, want late", body, resp.StatusCode, b)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	_, addr := serve(t, echoBody, 0, Options{BodyTimeout: time.Second, MaxBody: 100})
	for _, tt := range []struct {
		body    string
		chunked bool
		want    string
		status  int
	}{
		{strings.Repeat("a", 100), false, "100", 200},
		{strings.Repeat("a", 101), false, "", 413},
		{strings.Repeat("a", 101), true, "request body too large", 400},
	} {
		var r io.Reader = strings.NewReader(tt.body)
		if tt.chunked {
			r = io.MultiReader(r) // unknown length: sent chunked
		}
		resp, err := http.Post("http://"+addr+"/", "text/plain", r)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.want) {
			t.Errorf("%d bytes (chunked %v): %d %q, want %d %q", len(tt.body), tt.chunked, resp.StatusCode, b, tt.status, tt.want)
		}
	}
}

// TestConnectionsPerAddress: past the cap, connections from one address
// are answered 503 and closed; closing one frees a slot.
func TestConnectionsPerAddress(t *testing.T) {
	const perAddr = 4
	gl, addr := serve(t, echoBody, perAddr, Options{BodyTimeout: 5 * time.Second})
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for range perAddr {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	deadline := time.Now().Add(5 * time.Second)
	for gl.Open("127.0.0.1") < perAddr && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	for i := range 10 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("excess connection %d: %v", i, err)
		}
		resp.Body.Close()
		c.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("excess connection %d: status %d, want 503", i, resp.StatusCode)
		}
	}
	if n := gl.Refused(); n != 10 {
		t.Errorf("refused %d, want 10", n)
	}
	held[0].Close()
	held = held[1:]
	for gl.Open("127.0.0.1") >= perAddr && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	resp, err := http.Post("http://"+addr+"/", "text/plain", strings.NewReader("ok"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("after a slot was freed: status %d", resp.StatusCode)
	}
}

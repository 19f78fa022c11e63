// Package httpguard protects an HTTP server from slow and greedy clients:
// Listen caps the connections one client address may hold open at once, and
// Handler gives every request body a deadline and a size limit. Together
// with http.Server's ReadHeaderTimeout and IdleTimeout they bound what one
// client can hold: a connection sending a byte every few seconds is cut off
// when its deadline passes, whatever it still owes.
package httpguard

import (
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Listener is a net.Listener that holds at most perAddr connections open
// from one client IP address (IPv6: one /64 network). Connections beyond that are answered "503
// Service Unavailable" and closed at once, without ever reaching the
// server.
//
// Behind a reverse proxy every client has the proxy's address: raise the
// cap, or set it to 0 (no cap) and limit connections in the proxy.
type Listener struct {
	net.Listener
	perAddr int

	mu    sync.Mutex
	open  map[string]int
	shed  int64 // connections refused, for tests and metrics
	write time.Duration
}

// NewListener wraps ln. perAddr < 1 means no cap.
func NewListener(ln net.Listener, perAddr int) *Listener {
	return &Listener{Listener: ln, perAddr: perAddr, open: map[string]int{}, write: time.Second}
}

// refusal is written to a connection over the cap.
const refusal = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nRetry-After: 5\r\nContent-Length: 21\r\n\r\ntoo many connections\n"

// Accept returns the next connection whose address is under the cap.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil || l.perAddr < 1 {
			return c, err
		}
		ip := hostOf(c.RemoteAddr())
		l.mu.Lock()
		over := l.open[ip] >= l.perAddr
		if over {
			l.shed++
		} else {
			l.open[ip]++
		}
		l.mu.Unlock()
		if over {
			go refuse(c, l.write) // never block Accept on a client
			continue
		}
		return &conn{Conn: c, release: func() { l.release(ip) }}, nil
	}
}

// Refused returns how many connections were refused for being over the cap.
func (l *Listener) Refused() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.shed
}

// Open returns how many connections the address holds now.
func (l *Listener) Open(ip string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open[ip]
}

func (l *Listener) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip]--; l.open[ip] <= 0 {
		delete(l.open, ip)
	}
}

func refuse(c net.Conn, wait time.Duration) {
	c.SetDeadline(time.Now().Add(wait))
	io.WriteString(c, refusal)
	if tc, ok := c.(*net.TCPConn); ok {
		tc.CloseWrite()
		io.Copy(io.Discard, io.LimitReader(c, 4096)) // let the answer arrive before the close resets it
	}
	c.Close()
}

// hostOf returns the IP of a TCP address (for IPv6 its /64 network, which
// is what one client usually has), or the address as text.
func hostOf(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		if ta.IP.To4() == nil {
			return ta.IP.Mask(net.CIDRMask(64, 128)).String() + "/64"
		}
		return ta.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// conn releases its slot once, on the first Close.
type conn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// Options bound request bodies.
type Options struct {
	// BodyTimeout is how long a client may take to send a request body,
	// from the end of its headers (default 10s).
	BodyTimeout time.Duration
	// MaxBody is the largest request body in bytes (default 1 MiB);
	// handlers may allow less.
	MaxBody int64
}

// Handler returns h with every request body limited to MaxBody bytes and
// to BodyTimeout: a client still sending when the time is up has its
// connection closed. Requests without a body are left alone, so long
// polls are not cut short. A body over the limit is answered 413 when the
// declared Content-Length shows it; otherwise the handler's read fails with
// an *http.MaxBytesError.
func Handler(h http.Handler, opt Options) http.Handler {
	if opt.BodyTimeout <= 0 {
		opt.BodyTimeout = 10 * time.Second
	}
	if opt.MaxBody <= 0 {
		opt.MaxBody = 1 << 20
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
			h.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > opt.MaxBody {
			w.Header().Set("Connection", "close")
			http.Error(w, http.StatusText(http.StatusRequestEntityTooLarge), http.StatusRequestEntityTooLarge)
			return
		}
		// net/http lifts the deadline itself once the body is read, so a
		// handler may work longer than BodyTimeout. ResponseWriters other
		// than net/http's (tests) may not support deadlines: then the size
		// limit alone applies.
		http.NewResponseController(w).SetReadDeadline(time.Now().Add(opt.BodyTimeout))
		r.Body = http.MaxBytesReader(w, r.Body, opt.MaxBody)
		h.ServeHTTP(w, r)
	})
}

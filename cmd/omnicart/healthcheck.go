package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// addrFile is the file in the data directory where a running shop writes
// the HTTP address it listens on, and removes it when it stops: `omnicart
// chat` and `omnicart healthcheck` read it to find the shop.
const addrFile = "http.addr"

func addrPath(cfg Config) string { return filepath.Join(cfg.Data.Dir, addrFile) }

// writeAddr records the bound address in the data directory.
func writeAddr(cfg Config, addr string) error {
	tmp := addrPath(cfg) + ".tmp"
	if err := os.WriteFile(tmp, []byte(addr+"\n"), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", addrFile, err)
	}
	if err := os.Rename(tmp, addrPath(cfg)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", addrFile, err)
	}
	return nil
}

// runningAddr returns the address a running shop on the data directory
// wrote, as host:port to connect to (an address listening on every
// interface becomes the loopback one). ok is false when there is none.
func runningAddr(cfg Config) (addr string, ok bool, err error) {
	data, err := os.ReadFile(addrPath(cfg))
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	a, err := dialAddr(strings.TrimSpace(string(data)))
	if err != nil {
		return "", false, fmt.Errorf("%s: %w", addrPath(cfg), err)
	}
	return a, true, nil
}

// dialAddr turns a listen address into one to connect to: ":8080",
// "0.0.0.0:8080" and "[::]:8080" become loopback addresses.
func dialAddr(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", err
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return net.JoinHostPort(host, port), nil
}

// healthURL is the /healthz URL of the shop the config describes: the
// address a running shop wrote into the data directory, else http.addr.
func healthURL(cfg Config) (string, error) {
	addr, ok, err := runningAddr(cfg)
	if err != nil {
		return "", err
	}
	if !ok {
		if addr, err = dialAddr(cfg.HTTP.Addr); err != nil {
			return "", fmt.Errorf("http.addr %q: %w", cfg.HTTP.Addr, err)
		}
	}
	return "http://" + addr + "/healthz", nil
}

// healthcheck GETs url and returns 0 when it answers 2xx, else 1; it prints
// the answer's first line, for `docker inspect` and for people.
func healthcheck(ctx context.Context, url string, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintln(stderr, "omnicart healthcheck:", err)
		return 1
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "omnicart healthcheck: unhealthy:", err)
		return 1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 64<<10))
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if resp.StatusCode/100 != 2 {
		fmt.Fprintf(stderr, "omnicart healthcheck: %s answered %s\n", url, resp.Status)
		for _, l := range lines {
			fmt.Fprintln(stderr, l)
		}
		return 1
	}
	fmt.Fprintf(stdout, "%s: %s\n", url, strings.Join(lines, "; "))
	return 0
}

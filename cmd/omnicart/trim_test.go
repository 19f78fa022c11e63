package main

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// dropFilePages lowers the resident file pages of the process and loses
// nothing: code runs, read-only data and written data read back the same.
func TestDropFilePages(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Linux only")
	}
	written := strings.Repeat("kept", 1<<16) // heap: never touched
	trimProbe[0] = 42                        // the binary's data, changed: private and writable
	before := rssFile(t)
	n, err := dropFilePages()
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no file mapping was gone through")
	}
	after := rssFile(t)
	if after >= before {
		t.Errorf("resident file pages: %d kB before, %d kB after", before, after)
	}
	if written != strings.Repeat("kept", 1<<16) || trimProbe != [4]int{42, 2, 3, 4} || usage == "" || !strings.Contains(usage, "omnicart") {
		t.Fatal("memory changed")
	}
	t.Logf("file mappings: %d MB; resident file pages %d kB → %d kB", n>>20, before, after)
}

var trimProbe = [4]int{1, 2, 3, 4}

func rssFile(t *testing.T) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb
		}
	}
	t.Fatal("no RssFile in /proc/self/status")
	return 0
}

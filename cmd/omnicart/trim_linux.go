package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// dropFilePages unmaps the resident pages of the process's file mappings
// that the kernel can read back unchanged, so they no longer count in its
// RSS: the executable's code and read-only data, and shared mappings
// (Badger's tables and logs: what was written through them is in the page
// cache and the file). They come back on the next touch. A private
// mapping with any page of its own (Anonymous in /proc/self/smaps: the
// binary's data, relocations of a dynamically linked program) is never
// touched: dropping it would lose what was written there. It returns how
// many bytes of mappings it dropped.
func dropFilePages() (int64, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	exe, _ := os.Executable()
	if p, err := filepath.EvalSymlinks(exe); err == nil {
		exe = p
	}
	var total int64
	var start, end uint64
	candidate := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Bytes()
		fields := bytes.Fields(line)
		if len(fields) >= 5 && bytes.IndexByte(fields[0], '-') > 0 && !bytes.HasSuffix(fields[0], []byte(":")) {
			// A mapping: 00400000-011d1000 r-xp 00000000 fe:00 123 /path
			candidate = false
			from, to, _ := bytes.Cut(fields[0], []byte("-"))
			s, err1 := strconv.ParseUint(string(from), 16, 64)
			e, err2 := strconv.ParseUint(string(to), 16, 64)
			if err1 != nil || err2 != nil || e <= s || len(fields) < 6 || len(fields[1]) != 4 {
				continue
			}
			perms, path := fields[1], string(fields[5])
			shared := perms[3] == 's'
			readOnly := perms[1] != 'w'
			candidate = shared && path != "" && path[0] == '/' || readOnly && path == exe
			start, end = s, e
			continue
		}
		// Anonymous: the mapping's own (copied-on-write) pages.
		if v, ok := bytes.CutPrefix(line, []byte("Anonymous:")); ok && candidate {
			candidate = false
			if kb, err := strconv.ParseInt(string(bytes.TrimSuffix(bytes.TrimSpace(v), []byte(" kB"))), 10, 64); err != nil || kb != 0 {
				continue
			}
			if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, uintptr(start), uintptr(end-start), syscall.MADV_DONTNEED); errno == 0 {
				total += int64(end - start)
			}
		}
	}
	return total, sc.Err()
}

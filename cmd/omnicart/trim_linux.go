package main

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// dropFilePages unmaps the resident pages of the process's file mappings
// that the kernel can read back unchanged: the binary's code and
// read-only data, and Badger's tables and logs (shared mappings: what was
// written through them stays in the page cache and the file). They come
// back on the next touch. Private writable mappings (the binary's data)
// are never touched: dropping them would lose their contents. It returns
// how many bytes of mappings it went through.
func dropFilePages() (int64, error) {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var total int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 00400000-011d1000 r-xp 00000000 fe:00 123 /path/omnicart
		fields := bytes.Fields(sc.Bytes())
		if len(fields) < 6 || !bytes.HasPrefix(fields[5], []byte("/")) {
			continue // anonymous: the Go heap, stacks
		}
		perms := fields[1]
		shared := len(perms) == 4 && perms[3] == 's'
		if perms[1] == 'w' && !shared {
			continue
		}
		from, to, ok := bytes.Cut(fields[0], []byte("-"))
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(string(from), 16, 64)
		end, err2 := strconv.ParseUint(string(to), 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, uintptr(start), uintptr(end-start), syscall.MADV_DONTNEED); errno == 0 {
			total += int64(end - start)
		}
	}
	return total, sc.Err()
}

// Package qrtest decodes QR codes in tests with a real decoder: zbarimg
// from Debian's zbar-tools (.ci/install-zbar installs it; make test runs it
// when zbarimg is missing and the user is root).
package qrtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Decode returns the text of the QR code in a PNG. Without zbarimg the
// test fails: a QR code nobody decoded is not tested.
func Decode(t testing.TB, png []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "qr.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	return DecodeFile(t, path)
}

// DecodeFile is Decode for a PNG file on disk.
func DecodeFile(t testing.TB, path string) string {
	t.Helper()
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Fatal("zbarimg not found: run .ci/install-zbar (Debian's zbar-tools)")
	}
	// -Sbinary: the bytes as encoded (UTF-8 here), without zbar's guess
	// at a character set.
	out, err := exec.Command(zbar, "--quiet", "--raw", "-Sbinary", path).Output()
	if err != nil {
		t.Fatalf("zbarimg %s: %v", path, err)
	}
	return strings.TrimSuffix(string(out), "\n")
}

// Fields splits a ГОСТ Р 56042-2014 payload into its header ("ST00012")
// and its Key=Value fields; a field without "=" or named twice fails t.
func Fields(t testing.TB, payload string) (string, map[string]string) {
	t.Helper()
	parts := strings.Split(payload, "|")
	m := map[string]string{}
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			t.Fatalf("field %q has no =", p)
		}
		if _, dup := m[k]; dup {
			t.Fatalf("field %s twice", k)
		}
		m[k] = v
	}
	return parts[0], m
}

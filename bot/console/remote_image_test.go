package console

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"omnicart/bot"
)

// TestRemoteWritesGeneratedPicture: a picture the running shop made for
// the chat (a QR code to pay with, served at /media/generated/) is fetched
// and written to a PNG file printed as [photo: PATH], as in a local chat;
// one that is gone is shown by its URL; a catalog photo stays a URL.
func TestRemoteWritesGeneratedPicture(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n"), "a QR code"...)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /media/generated/{name}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("name") != "qr.png" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(png)
	})
	mux.HandleFunc("POST /api/send", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(remoteBatch{Last: 3, Messages: []remoteMessage{
			{Seq: 1, Text: "Scan to pay", Photo: "/media/generated/qr.png"},
			{Seq: 2, Text: "An old code", Photo: "/media/generated/gone.png"},
			{Seq: 3, Text: "Kenya AA", Photo: "/media/images/kenya.jpg", Choices: [][]bot.Choice{{{Label: "OK", Data: "ok"}}}},
		}})
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	dir := t.TempDir()
	var out, errs bytes.Buffer
	addr := bot.Address{Channel: bot.Console, Chat: "owner"}
	con := New(strings.NewReader(""), &out, nil, Options{Addr: addr, Lang: "en", ImageDir: dir})
	remote, err := NewRemote(srv.URL, RemoteOptions{To: con, Addr: addr, Errors: &errs})
	if err != nil {
		t.Fatal(err)
	}
	remote.Handle(context.Background(), bot.Message{Lang: "en", Text: "pay"})

	m := regexp.MustCompile(`\[photo: (\S+)\]\nScan to pay\n`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no [photo: PATH] before the QR code's text:\n%s", out.String())
	}
	if filepath.Dir(m[1]) != dir || !strings.HasSuffix(m[1], ".png") {
		t.Errorf("picture written to %s, want a .png in %s", m[1], dir)
	}
	if got, err := os.ReadFile(m[1]); err != nil || !bytes.Equal(got, png) {
		t.Errorf("the file holds %q (%v), want the shop's picture", got, err)
	}
	for _, want := range []string{
		"[photo: " + srv.URL + "/media/generated/gone.png]\nAn old code\n",
		"[photo: " + srv.URL + "/media/images/kenya.jpg]\nKenya AA\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(errs.String(), "/media/generated/gone.png was not fetched: 404") {
		t.Errorf("the missing picture was not reported: %q", errs.String())
	}
}

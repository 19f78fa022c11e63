package main

import (
	"bufio"
	"bytes"
	"context"
	"debug/buildinfo"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// instruction is one Dockerfile instruction with its continuation lines
// joined.
type instruction struct {
	line int
	cmd  string // upper case: FROM, RUN, ...
	args string
}

// parseDockerfile splits a Dockerfile into instructions.
func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []instruction
	var cur *instruction
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if cur == nil && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if cur != nil && strings.HasPrefix(line, "#") {
			continue // a comment inside a continued instruction
		}
		cont := strings.HasSuffix(line, "\\")
		line = strings.TrimSuffix(line, "\\")
		if cur == nil {
			cmd, args, _ := strings.Cut(line, " ")
			out = append(out, instruction{line: n, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)})
			cur = &out[len(out)-1]
		} else {
			cur.args += " " + strings.TrimSpace(line)
		}
		if !cont {
			cur = nil
		}
	}
	return out
}

// TestDockerfile checks what `docker build` cannot check here: a
// multi-stage build of a static binary, an unprivileged user, a data
// volume, an exposed port and a health check the image can run without a
// shell or curl.
func TestDockerfile(t *testing.T) {
	ins := parseDockerfile(t, "../../Dockerfile")
	var stages [][]instruction
	for _, in := range ins {
		if in.cmd == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			if in.cmd != "ARG" {
				t.Fatalf("Dockerfile:%d: %s before the first FROM", in.line, in.cmd)
			}
			continue
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], in)
	}
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stage(s); want a build stage and a small final one", len(stages))
	}
	build, final := stages[0], stages[len(stages)-1]
	buildName := ""
	if f := strings.Fields(build[0].args); len(f) == 3 && strings.EqualFold(f[1], "AS") {
		buildName = f[2]
	} else {
		t.Errorf("Dockerfile:%d: name the build stage: FROM image AS build", build[0].line)
	}
	// The Go in the build image is the one go.mod asks for.
	mod, _ := os.ReadFile("../../go.mod")
	if m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod); m == nil {
		t.Error("go.mod has no go directive")
	} else if !strings.Contains(build[0].args, "golang:"+string(m[1])) {
		t.Errorf("Dockerfile:%d: build image %q; want golang:%s like go.mod", build[0].line, build[0].args, m[1])
	}
	static := false
	for _, in := range build {
		if in.cmd == "RUN" && strings.Contains(in.args, "CGO_ENABLED=0") && strings.Contains(in.args, "go build") {
			static = true
			for _, x := range []string{"-X main.version=", "-X main.commit=", "-X main.buildDate="} {
				if !strings.Contains(in.args, x) {
					t.Errorf("Dockerfile:%d: go build does not set %s", in.line, x)
				}
			}
		}
	}
	if !static {
		t.Error("Dockerfile: the build stage has no RUN CGO_ENABLED=0 go build (a static binary)")
	}

	last := map[string]instruction{}
	copied := false
	for _, in := range final {
		last[in.cmd] = in
		if in.cmd == "COPY" && strings.Contains(in.args, "--from="+buildName) && strings.Contains(in.args, "omnicart") {
			copied = true
		}
	}
	if base := final[0].args; !strings.Contains(base, "distroless") && !strings.HasPrefix(base, "scratch") {
		t.Errorf("Dockerfile:%d: final image %q; want distroless or scratch", final[0].line, base)
	}
	if !copied {
		t.Errorf("Dockerfile: the final stage does not copy the binary from the %q stage", buildName)
	}
	switch u, ok := last["USER"]; {
	case !ok:
		t.Error("Dockerfile: the final stage has no USER: it would run as root")
	default:
		user, _, _ := strings.Cut(u.args, ":")
		if user == "root" || user == "0" || user == "" {
			t.Errorf("Dockerfile:%d: USER %s runs as root", u.line, u.args)
		}
	}
	if v, ok := last["VOLUME"]; !ok || !strings.Contains(v.args, "/var/lib/omnicart") {
		t.Errorf("Dockerfile: no VOLUME for the data directory /var/lib/omnicart (got %q)", v.args)
	}
	if e, ok := last["EXPOSE"]; !ok || !strings.Contains(e.args, "8080") {
		t.Errorf("Dockerfile: no EXPOSE 8080 (got %q)", e.args)
	}
	h, ok := last["HEALTHCHECK"]
	switch {
	case !ok:
		t.Error("Dockerfile: no HEALTHCHECK")
	case !strings.Contains(h.args, "/healthz") && !regexp.MustCompile(`omnicart",?\s*"?healthcheck`).MatchString(h.args):
		t.Errorf("Dockerfile:%d: HEALTHCHECK %q checks neither /healthz nor `omnicart healthcheck`", h.line, h.args)
	case !strings.Contains(h.args, "CMD [") && !strings.HasPrefix(final[0].args, "golang"):
		// distroless and scratch have no /bin/sh for the shell form.
		t.Errorf("Dockerfile:%d: the image has no shell: write HEALTHCHECK CMD [\"...\"] (exec form)", h.line)
	}
	if cmd := last["CMD"].args + " " + last["ENTRYPOINT"].args; !strings.Contains(cmd, `"run"`) || !strings.Contains(cmd, `"--http", ":8080"`) {
		t.Errorf("Dockerfile: ENTRYPOINT/CMD %q should run the shop on :8080 (reachable through the published port)", cmd)
	}
	// The config the image ships (and the systemd unit uses) loads.
	if _, err := LoadConfig("../../deploy/config.toml"); err != nil {
		t.Errorf("deploy/config.toml: %v", err)
	}
	if data, err := os.ReadFile("../../.dockerignore"); err != nil || !strings.Contains(string(data), "data") {
		t.Error(".dockerignore should keep data/ (customers' data) out of the build context")
	}
}

// TestSystemdUnit runs `systemd-analyze verify` and an offline `security`
// review on deploy/omnicart.service, with ExecStart pointing at a built
// binary (verify checks that the command exists).
func TestSystemdUnit(t *testing.T) {
	data, err := os.ReadFile("../../deploy/omnicart.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := string(data)
	for _, want := range []string{"DynamicUser=yes", "StateDirectory=omnicart", "ProtectSystem=strict", "ProtectHome=yes",
		"PrivateTmp=yes", "NoNewPrivileges=yes", "RestrictAddressFamilies=", "SystemCallFilter=@system-service", "MemoryMax=",
		"ExecStart=/usr/local/bin/omnicart run --config /etc/omnicart/config.toml"} {
		if !strings.Contains(unit, "\n"+want) {
			t.Errorf("deploy/omnicart.service lacks %s", want)
		}
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed: the unit is not verified")
	}
	bin := binary(t)
	path := filepath.Join(t.TempDir(), "omnicart.service")
	unit = strings.Replace(unit, "ExecStart=/usr/local/bin/omnicart ", "ExecStart="+bin+" ", 1)
	if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	// verify exits 0 on unknown keys and bad values, only printing them:
	// any output is a failure.
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	} else {
		t.Log("systemd-analyze verify: no complaints")
	}
	// Exposure 0-10 by systemd's own measure; 2.5 and below is "OK" or
	// better. Older systemd lacks --offline: then only verify counts.
	out, err = exec.Command(analyze, "security", "--offline=true", "--threshold=25", "--no-pager", path).CombinedOutput()
	level := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+ \S+)`).FindSubmatch(out)
	switch {
	case level == nil:
		t.Logf("systemd-analyze security --offline unavailable: %v\n%s", err, lastLines(out, 3))
	case err != nil:
		t.Errorf("systemd-analyze security: exposure %s, want 2.5 or less:\n%s", level[1], out)
	default:
		t.Logf("systemd-analyze security: exposure %s", level[1])
	}
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// TestVersion: --version and version print what the build injected, and
// fall back to the toolchain's version control information.
func TestVersion(t *testing.T) {
	defer func(v, c, d string) { version, commit, buildDate = v, c, d }(version, commit, buildDate)
	version, commit, buildDate = "1.4.2", "0123456789ab", "2026-03-01T10:00:00Z"
	for _, args := range [][]string{{"--version"}, {"-version"}, {"version"}} {
		var out, errOut bytes.Buffer
		if code := cli(args, nil, &out, &errOut); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut.String())
		}
		for _, want := range []string{"omnicart 1.4.2\n", "commit:  0123456789ab", "built:   2026-03-01T10:00:00Z", "go:      go1."} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%v printed %q; want %q in it", args, out.String(), want)
			}
		}
	}

	info := &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20260301100000-0123456789ab+dirty"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-03-01T10:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	got := completeBuild(buildInfo{}, info)
	if got.Version != info.Main.Version || got.Commit != "0123456789ab" || got.Date != "2026-03-01T10:00:00Z" || !got.Modified {
		t.Errorf("from build info: %+v", got)
	}
	if got := completeBuild(buildInfo{Version: "1.0", Commit: "abc", Date: "today"}, info); got.Version != "1.0" || got.Commit != "abc" || got.Date != "today" {
		t.Errorf("injected values were overridden: %+v", got)
	}

	// A binary built without -X in a git checkout: commit and date from git.
	head, err := exec.Command("git", "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		t.Logf("not a git checkout (%v): the fallback to version control information is not tried", err)
		return
	}
	bin := filepath.Join(t.TempDir(), "omnicart")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -buildvcs=true: %v\n%s", err, out)
	}
	stamped, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	rev := ""
	for _, s := range stamped.Settings {
		if s.Key == "vcs.revision" {
			rev = s.Value
		}
	}
	if rev == "" {
		t.Logf("go build stamped no version control information here (a git worktree?); HEAD is %s", head)
		return
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil || !strings.Contains(string(out), "commit:  "+rev[:12]) || strings.Contains(string(out), "built:   unknown") {
		t.Errorf("omnicart --version built in a git checkout without -X: %v\n%s\nwant commit %s and a date", err, out, rev[:12])
	}
}

// TestMakefile: `make build` injects the version, `make run ADDR=...`
// passes --http, and `make chat` uses the same data directory as `make run`.
func TestMakefile(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	dry := func(args ...string) string {
		cmd := exec.Command("make", append([]string{"-n", "-C", "../.."}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("make -n %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	b := dry("build", "VERSION=9.9.9", "COMMIT=feedbeef", "DATE=2026-01-01")
	for _, want := range []string{"CGO_ENABLED=0", "-X main.version=9.9.9", "-X main.commit=feedbeef", "-X main.buildDate=2026-01-01"} {
		if !strings.Contains(b, want) {
			t.Errorf("make build runs\n%s\nwant %s", b, want)
		}
	}
	if r := dry("run", "ADDR=:9191"); !strings.Contains(r, "bin/omnicart run --http :9191") {
		t.Errorf("make run ADDR=:9191 runs\n%s", r)
	}
	if r := dry("run"); strings.Contains(r, "--http") {
		t.Errorf("make run without ADDR passes --http:\n%s", r)
	}
	c := dry("chat")
	if !strings.Contains(c, "bin/omnicart chat") || strings.Contains(c, "--data") {
		t.Errorf("make chat should use the config's data directory, like make run:\n%s", c)
	}
}

// TestHealthcheck: `omnicart healthcheck` finds the running shop through
// the address it wrote into the data directory, exits 0 while it is
// healthy, and 1 once it stopped (the address file is gone) or for an
// unhealthy answer.
func TestHealthcheck(t *testing.T) {
	config, _ := copyDemo(t)
	dataDir := filepath.Join(t.TempDir(), "elsewhere") // run --data: healthcheck --data finds it
	p := start(t, "run", "--config", config, "--data", dataDir)
	addr := p.serving(t, 60*time.Second)
	written, err := os.ReadFile(filepath.Join(dataDir, addrFile))
	if err != nil || strings.TrimSpace(string(written)) != addr {
		t.Fatalf("%s holds %q, %v; want %s", addrFile, written, err, addr)
	}
	out, err := exec.Command(binary(t), "healthcheck", "--config", config, "--data", dataDir).CombinedOutput()
	if err != nil || !strings.Contains(string(out), addr+"/healthz: ok") {
		t.Errorf("healthcheck of a running shop: %v\n%s", err, out)
	}
	out, err = exec.Command(binary(t), "healthcheck", "--url", "http://"+addr+"/healthz").CombinedOutput()
	if err != nil {
		t.Errorf("healthcheck --url: %v\n%s", err, out)
	}
	p.stop(t, 30*time.Second)
	if _, err := os.Stat(filepath.Join(dataDir, addrFile)); !os.IsNotExist(err) {
		t.Errorf("%s is left after the shop stopped: %v", addrFile, err)
	}
	if out, err := exec.Command(binary(t), "healthcheck", "--config", config, "--data", dataDir).CombinedOutput(); err == nil {
		t.Errorf("healthcheck of a stopped shop exits 0:\n%s", out)
	}

	sick := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("unhealthy: disk full\n"))
	}))
	defer sick.Close()
	var stdout, stderr bytes.Buffer
	if code := healthcheck(context.Background(), sick.URL+"/healthz", &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "disk full") {
		t.Errorf("healthcheck of an unhealthy shop: exit %d, %q", code, stderr.String())
	}
}

func TestDialAddr(t *testing.T) {
	for in, want := range map[string]string{
		":8080": "127.0.0.1:8080", "0.0.0.0:80": "127.0.0.1:80", "[::]:8080": "[::1]:8080", "127.0.0.1:9": "127.0.0.1:9",
	} {
		if got, err := dialAddr(in); err != nil || got != want {
			t.Errorf("dialAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

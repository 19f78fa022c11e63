package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"omnicart/bot"
	"omnicart/bot/console"
	"omnicart/store"
)

// chatPrompt shows where to type.
const chatPrompt = "> "

// chat runs the terminal chat until the end of input. It opens the shop
// on the data directory; when a running shop holds it, it talks to that
// shop through its web chat API instead (the same customers, the same
// orders), found by the address the shop wrote into the data directory.
func chat(ctx context.Context, cfg Config, user, lang string, stdin io.Reader, stdout, stderr io.Writer) error {
	m := &Main{
		Config:   cfg,
		Log:      slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Terminal: &Terminal{In: stdin, Out: stdout, User: user, Lang: lang},
	}
	err := m.Open(ctx)
	if _, locked := errors.AsType[*store.LockedError](err); locked {
		return chatRemote(ctx, cfg, user, lang, stdin, stdout, stderr)
	}
	if err != nil {
		return err
	}
	defer m.Close()
	p := m.Engine.Shop().Texts.Printer(chatLang(cfg, lang))
	fmt.Fprintf(stdout, "%s\n%s\n\n", p.T("console.local", "shop", m.Engine.Shop().Name, "data", cfg.Data.Dir), p.T("console.hint"))
	return m.Run(ctx)
}

func chatLang(cfg Config, lang string) string {
	if lang != "" {
		return lang
	}
	return cfg.Shop.Lang
}

// chatRemote is the terminal chat with the shop running on the data
// directory, through its web chat API.
func chatRemote(ctx context.Context, cfg Config, user, lang string, stdin io.Reader, stdout, stderr io.Writer) error {
	addr, ok, err := runningAddr(cfg)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("the data directory %s is in use by another omnicart that serves no web chat (another omnicart chat, or a backup): stop it, or chat with --data DIR", cfg.Data.Dir)
	}
	sh, err := loadShop(cfg)
	if err != nil {
		return fmt.Errorf("the shop has errors:\n%w", err)
	}
	text := func(lang, key string, args ...any) string {
		return sh.Texts.Printer(lang).T(key, append([]any{"shop", sh.Name}, args...)...)
	}
	base := "http://" + addr
	var remote *console.Remote
	to := bot.Address{Channel: bot.Console, Chat: user}
	con := console.New(stdin, stdout, bot.HandlerFunc(func(ctx context.Context, m bot.Message) { remote.Handle(ctx, m) }),
		console.Options{Addr: to, Lang: lang, Start: true, Prompt: chatPrompt, Text: text})
	remote, err = console.NewRemote(base, console.RemoteOptions{Jar: chatJar(cfg, user), To: con, Addr: to, Errors: stderr})
	if err != nil {
		return err
	}
	p := sh.Texts.Printer(chatLang(cfg, lang))
	fmt.Fprintf(stdout, "%s\n%s\n\n", p.T("console.remote", "url", base+"/"), p.T("console.hint"))
	if role := newStaff(cfg)[to]; role != "" {
		// The running shop knows this chat as a web chat shopper: the
		// console address's role does not reach it.
		fmt.Fprintf(stdout, "%s\n\n", p.T("console.remote_staff", "user", user, "role", p.T("role."+string(role))))
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { remote.Run(ctx) })
	err = con.Run(ctx)
	cancel()
	wg.Wait()
	return err
}

// chatJar is the file that keeps the terminal chat's web chat session for
// a data directory and user, so the next `omnicart chat` continues as the
// same customer: in the user's cache directory, else in the data directory.
func chatJar(cfg Config, user string) string {
	data, err := filepath.Abs(cfg.Data.Dir)
	if err != nil {
		data = cfg.Data.Dir
	}
	sum := sha256.Sum256([]byte(data + "\x00" + user))
	name := "chat-" + hex.EncodeToString(sum[:8]) + ".session"
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "omnicart", name)
	}
	return filepath.Join(cfg.Data.Dir, name)
}

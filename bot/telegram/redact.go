package telegram

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
)

// The bot token is a password, and go-telegram/bot puts it in every URL it
// calls (https://api.telegram.org/bot<token>/getMe), so it shows up in the
// *url.Error of every failed call. Everything this package logs or returns
// goes through redact.

// botPath matches what looks like a token in a Bot API path, for tokens
// other than the configured one (a changed token, a tampered message).
var botPath = regexp.MustCompile(`/bot[0-9]+:[^/"\s]*`)

// redacted stands for a token.
const redacted = "<token>"

// redact removes token from s, also where it is quoted with escapes, and
// anything that looks like a token in a Bot API URL.
func redact(s, token string) string {
	if token != "" {
		s = strings.ReplaceAll(s, token, redacted)
		if q := strconv.Quote(token); len(q) > 2 {
			s = strings.ReplaceAll(s, q[1:len(q)-1], redacted)
		}
	}
	return botPath.ReplaceAllString(s, "/bot"+redacted)
}

// redactedError is an error whose text has the token removed; it still
// unwraps to the original for errors.Is and errors.As.
type redactedError struct {
	err   error
	token string
}

func (e *redactedError) Error() string { return redact(e.err.Error(), e.token) }
func (e *redactedError) Unwrap() error { return e.err }

// redactError wraps err so that its text never shows token.
func redactError(err error, token string) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*redactedError](err); ok {
		return err
	}
	return &redactedError{err: err, token: token}
}

// redactHandler is a slog.Handler that removes the token from the message
// and from every attribute (strings, errors and any other value as text).
type redactHandler struct {
	h     slog.Handler
	token string
}

// redactLogger returns a logger writing through l with the token removed.
func redactLogger(l *slog.Logger, token string) *slog.Logger {
	return slog.New(&redactHandler{h: l.Handler(), token: token})
}

func (r *redactHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return r.h.Enabled(ctx, level)
}

func (r *redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, redact(rec.Message, r.token), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(r.attr(a))
		return true
	})
	return r.h.Handle(ctx, out)
}

func (r *redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = r.attr(a)
	}
	return &redactHandler{h: r.h.WithAttrs(clean), token: r.token}
}

func (r *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{h: r.h.WithGroup(name), token: r.token}
}

func (r *redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, redact(v.String(), r.token))
	case slog.KindGroup:
		group := v.Group()
		clean := make([]any, len(group))
		for i, g := range group {
			clean[i] = r.attr(g)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, redact(x.Error(), r.token))
		case nil:
			return a
		default:
			if s := v.String(); redact(s, r.token) != s {
				return slog.String(a.Key, redact(s, r.token))
			}
		}
	}
	return a
}

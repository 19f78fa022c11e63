package main

import (
	"context"
	"io"
	"log/slog"
)

// chat runs the terminal chat over the shop until the end of input.
func chat(ctx context.Context, cfg Config, user, lang string, stdin io.Reader, stdout, stderr io.Writer) error {
	m := &Main{
		Config:   cfg,
		Log:      slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Terminal: &Terminal{In: stdin, Out: stdout, User: user, Lang: lang},
	}
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	return m.Run(ctx)
}

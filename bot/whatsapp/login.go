package whatsapp

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types/events"
)

// connectWait bounds waiting for a connection in Login and Logout.
const connectWait = 30 * time.Second

// Login pairs the shop's WhatsApp number as a linked device: it draws QR
// codes on out for WhatsApp → Settings → Linked devices → Link a device, or,
// when phone is set (international, digits), shows a pairing code to enter
// on that phone instead. It returns once paired, or with an error when the
// codes expire, pairing fails or ctx ends. Paired with another number than
// before, it forgets who wrote to the shop: they wrote to the old number.
func Login(ctx context.Context, opt Options, out io.Writer, phone string) error {
	opt.defaults()
	db, container, err := openStore(ctx, opt)
	if err != nil {
		return err
	}
	defer db.Close()
	dev, err := newDevice(ctx, db, container)
	if err != nil {
		return err
	}
	cli := whatsmeow.NewClient(dev, waLogger{opt.Logger.With(slog.String("module", "whatsmeow"))})
	cli.EnableAutoReconnect = false
	updateVersion(ctx, opt.Logger)
	connected := make(chan struct{}, 1)
	cli.AddEventHandler(func(evt any) {
		if _, ok := evt.(*events.Connected); ok {
			select {
			case connected <- struct{}{}:
			default:
			}
		}
	})
	qr, err := cli.GetQRChannel(ctx)
	if err != nil {
		return fmt.Errorf("whatsapp: %w", err)
	}
	if err := cli.Connect(); err != nil {
		return fmt.Errorf("whatsapp: connect: %w", err)
	}
	defer cli.Disconnect()
	asked := false
	for item := range qr {
		switch {
		case item.Event == whatsmeow.QRChannelEventCode && phone == "":
			fmt.Fprintln(out, "Scan this code with the shop's phone: WhatsApp → Settings → Linked devices → Link a device.")
			if err := renderQR(out, item.Code); err != nil {
				return err
			}
		case item.Event == whatsmeow.QRChannelEventCode && !asked:
			asked = true
			code, err := cli.PairPhone(ctx, phone, true, whatsmeow.PairClientChrome, "Chrome (Linux)")
			if err != nil {
				return fmt.Errorf("whatsapp: pairing code: %w", err)
			}
			fmt.Fprintf(out, "On the phone: WhatsApp → Settings → Linked devices → Link a device → Link with phone number instead, and enter:\n\n    %s\n\n", code)
		case item.Event == whatsmeow.QRChannelEventCode:
		case item == whatsmeow.QRChannelSuccess:
			fmt.Fprintf(out, "Paired as +%s. Finishing the setup…\n", cli.Store.ID.User)
			if err := adoptNumber(ctx, db, cli.Store.ID.User); err != nil { // Open adopts it too
				return fmt.Errorf("whatsapp: paired, but the contacts: %w", err)
			}
			select { // WhatsApp restarts the connection after pairing
			case <-connected:
			case <-time.After(connectWait):
			case <-ctx.Done():
			}
			fmt.Fprintln(out, "Done: WhatsApp is ready.")
			return nil
		case item == whatsmeow.QRChannelTimeout:
			return errors.New("whatsapp: pairing timed out; run login again")
		case item == whatsmeow.QRChannelClientOutdated:
			return errors.New("whatsapp: WhatsApp refused this client as outdated: update omnicart")
		case item.Event == whatsmeow.QRChannelEventError:
			return fmt.Errorf("whatsapp: pairing failed: %w", item.Error)
		default:
			return fmt.Errorf("whatsapp: pairing failed: %s", item.Event)
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return errors.New("whatsapp: pairing ended without success")
}

// newDevice returns the store's device to pair. It refuses a store that
// already has a paired device. Who wrote first is kept until the new
// device's number is known (adoptNumber, at the end of Login and in Open,
// before anything is sent).
func newDevice(ctx context.Context, db *sql.DB, container *sqlstore.Container) (*store.Device, error) {
	dev, err := container.GetFirstDevice(ctx)
	if err != nil {
		return nil, fmt.Errorf("whatsapp: read device: %w", err)
	}
	if dev.ID != nil {
		return nil, fmt.Errorf(`whatsapp: already paired as +%s; run "omnicart whatsapp logout" first`, dev.ID.User)
	}
	return dev, nil
}

// Logout unlinks the paired device from WhatsApp and deletes it from the
// device store. Who wrote first is kept with the number they wrote to:
// pairing that number again keeps them, another number starts with none.
// Without a device it forgets them. When WhatsApp cannot be reached it
// still unlinks locally and says so in the error.
func Logout(ctx context.Context, opt Options) error {
	opt.defaults()
	db, container, err := openStore(ctx, opt)
	if err != nil {
		return err
	}
	defer db.Close()
	dev, err := container.GetFirstDevice(ctx)
	if err != nil {
		return fmt.Errorf("whatsapp: read device: %w", err)
	}
	if dev.ID == nil {
		if err := clearContacts(ctx, db); err != nil {
			return fmt.Errorf("whatsapp: forget contacts: %w", err)
		}
		return nil
	}
	if err := adoptNumber(ctx, db, dev.ID.User); err != nil {
		return fmt.Errorf("whatsapp: contacts: %w", err)
	}
	cli := whatsmeow.NewClient(dev, waLogger{opt.Logger.With(slog.String("module", "whatsmeow"))})
	cli.EnableAutoReconnect = false
	updateVersion(ctx, opt.Logger)
	state := make(chan any, 1)
	cli.AddEventHandler(func(evt any) {
		switch evt.(type) {
		case *events.Connected, events.PermanentDisconnect:
			select {
			case state <- evt:
			default:
			}
		}
	})
	remote := cli.Connect()
	if remote == nil {
		select {
		case evt := <-state:
			if _, ok := evt.(*events.Connected); ok {
				remote = cli.Logout(ctx)
			} else if _, ok := evt.(*events.LoggedOut); ok {
				return nil // already unlinked on the phone; whatsmeow deleted the device
			} else {
				remote = errors.New(evt.(events.PermanentDisconnect).PermanentDisconnectDescription())
			}
		case <-time.After(connectWait):
			remote = errors.New("timed out connecting")
		case <-ctx.Done():
			remote = ctx.Err()
		}
		cli.Disconnect()
	}
	if remote == nil {
		return nil
	}
	if err := dev.Delete(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("whatsapp: delete device: %w", err)
	}
	return fmt.Errorf(`whatsapp: unlinked here, but WhatsApp was not told (%w): remove "Omnicart" under Linked devices on the phone`, remote)
}

// renderQR draws a QR code with Unicode half blocks, two rows of modules a
// line. Blocks are the light modules (quiet zone included), so the code
// reads on the usual dark terminal background.
func renderQR(out io.Writer, content string) error {
	q, err := qrcode.New(content, qrcode.Low)
	if err != nil {
		return fmt.Errorf("whatsapp: QR code: %w", err)
	}
	bm := q.Bitmap() // true is a dark module
	var b strings.Builder
	for y := 0; y < len(bm); y += 2 {
		for x := range bm[y] {
			top := !bm[y][x]
			bottom := y+1 < len(bm) && !bm[y+1][x]
			switch {
			case top && bottom:
				b.WriteString("█")
			case top:
				b.WriteString("▀")
			case bottom:
				b.WriteString("▄")
			default:
				b.WriteString(" ")
			}
		}
		b.WriteString("\n")
	}
	_, err = io.WriteString(out, b.String())
	return err
}

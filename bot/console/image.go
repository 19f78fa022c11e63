package console

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
)

// writeImage writes a picture made for a reply to a PNG file named by its
// content and returns its path, or a note when it cannot be written.
func (c *Console) writeImage(png []byte) string {
	dir := c.opt.ImageDir
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "omnicart-chat")
	}
	sum := sha256.Sum256(png)
	path := filepath.Join(dir, hex.EncodeToString(sum[:12])+".png")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "(not saved: " + err.Error() + ")"
	}
	if err := os.WriteFile(path, png, 0o600); err != nil {
		return "(not saved: " + err.Error() + ")"
	}
	return path
}

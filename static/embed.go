// Package static holds the stylesheet, the script and the vendored htmx, embedded in the binary. Each file
// is addressed by a URL carrying its content hash, so browsers may cache it for a year and still see a
// new version the moment it changes.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
)

//go:embed css js vendor favicon.svg
var files embed.FS

// Asset is one embedded file.
type Asset struct {
	Name        string // path below static/, e.g. "css/app.css"
	Hash        string // first 16 hex digits of the SHA-256 of Body
	Body        []byte
	ContentType string
}

// Assets is the set of embedded files, hashed once at start.
type Assets struct {
	byName map[string]Asset
}

// Load reads and hashes every embedded file.
func Load() (*Assets, error) {
	a := &Assets{byName: map[string]Asset{}}
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(name)
		if err != nil {
			return fmt.Errorf("read embedded %s: %w", name, err)
		}
		sum := sha256.Sum256(body)
		a.byName[name] = Asset{Name: name, Hash: hex.EncodeToString(sum[:8]), Body: body, ContentType: contentType(name)}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load static assets: %w", err)
	}
	return a, nil
}

// Get returns the named asset.
func (a *Assets) Get(name string) (Asset, bool) {
	f, ok := a.byName[name]
	return f, ok
}

// Version returns the hash of the named asset, the "v" query parameter of its URL, or "" if absent.
func (a *Assets) Version(name string) string { return a.byName[name].Hash }

func contentType(name string) string {
	switch path.Ext(name) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	return "text/plain; charset=utf-8"
}

// Signed imgcdn variant URLs (/t/SIGNATURE/OPTIONS/KEY) in Go, standard library only.
// The signature is HMAC-SHA256 of "OPTIONS/KEY" (the key as stored, not percent-encoded) under the
// origins' origin.signing-key, in URL-safe base64 without padding.
//
//	IMGCDN_SIGNING_KEY=... go run imgcdn_sign.go https://cdn.example w=240,h=240,fit=cover photos/a.jpg
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"strings"
)

// SignedURL returns base + "/t/" + signature + "/" + options + "/" + the key, percent-encoded.
func SignedURL(base, secret, options, key string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(options + "/" + key))
	signature := base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	// Each segment percent-encoded; the slashes between them stay.
	segments := strings.Split(key, "/")
	for i, segment := range segments {
		segments[i] = url.PathEscape(segment)
	}
	return strings.TrimSuffix(base, "/") + "/t/" + signature + "/" + options + "/" + strings.Join(segments, "/")
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: imgcdn_sign BASE OPTIONS KEY (key in IMGCDN_SIGNING_KEY)")
		os.Exit(2)
	}
	fmt.Println(SignedURL(os.Args[1], os.Getenv("IMGCDN_SIGNING_KEY"), os.Args[2], os.Args[3]))
}

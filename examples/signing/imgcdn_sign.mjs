// Signed imgcdn variant URLs (/t/SIGNATURE/OPTIONS/KEY) in JavaScript (Node.js; never in a browser:
// the key must stay on the server). The signature is HMAC-SHA256 of "OPTIONS/KEY" (the key as stored,
// not percent-encoded) under the origins' origin.signing-key, in URL-safe base64 without padding.
//
//   IMGCDN_SIGNING_KEY=... node imgcdn_sign.mjs https://cdn.example w=240,h=240,fit=cover photos/a.jpg
import { createHmac } from "node:crypto";
import { pathToFileURL } from "node:url";

export function signedUrl(base, secret, options, key) {
  const signature = createHmac("sha256", secret).update(`${options}/${key}`, "utf8").digest("base64url");
  // Each segment percent-encoded; the slashes between them stay.
  const path = key.split("/").map(encodeURIComponent).join("/");
  return `${base.replace(/\/$/, "")}/t/${signature}/${options}/${path}`;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [base, options, key] = process.argv.slice(2);
  console.log(signedUrl(base, process.env.IMGCDN_SIGNING_KEY, options, key));
}

<?php
// Signed imgcdn variant URLs (/t/SIGNATURE/OPTIONS/KEY) in PHP, no extension beyond the default ones.
// The signature is HMAC-SHA256 of "OPTIONS/KEY" (the key as stored, not percent-encoded) under the
// origins' origin.signing-key, in URL-safe base64 without padding.
//
//   IMGCDN_SIGNING_KEY=... php imgcdn_sign.php https://cdn.example w=240,h=240,fit=cover photos/a.jpg

function imgcdn_signed_url(string $base, string $secret, string $options, string $key): string
{
    $mac = hash_hmac('sha256', "$options/$key", $secret, true);
    $signature = rtrim(strtr(base64_encode($mac), '+/', '-_'), '=');
    // Each segment percent-encoded; the slashes between them stay.
    $path = implode('/', array_map('rawurlencode', explode('/', $key)));
    return rtrim($base, '/') . "/t/$signature/$options/$path";
}

if (PHP_SAPI === 'cli' && realpath($argv[0]) === __FILE__) {
    echo imgcdn_signed_url($argv[1], getenv('IMGCDN_SIGNING_KEY'), $argv[2], $argv[3]), "\n";
}

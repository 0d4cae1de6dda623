# Signed imgcdn variant URLs (/t/SIGNATURE/OPTIONS/KEY) in Ruby, e.g. in a Rails or Mastodon app.
# The signature is HMAC-SHA256 of "OPTIONS/KEY" (the key as stored, not percent-encoded) under the
# origins' origin.signing-key, in URL-safe base64 without padding. Standard library only.
#
#   IMGCDN_SIGNING_KEY=... ruby imgcdn_sign.rb https://cdn.example w=240,h=240,fit=cover photos/a.jpg
require "openssl"
require "base64"
require "erb"

module Imgcdn
  def self.signed_url(base, secret, options, key)
    mac = OpenSSL::HMAC.digest("SHA256", secret, "#{options}/#{key}")
    signature = Base64.urlsafe_encode64(mac, padding: false)
    # Each segment percent-encoded; the slashes between them stay.
    path = key.split("/", -1).map { |segment| ERB::Util.url_encode(segment) }.join("/")
    "#{base.chomp('/')}/t/#{signature}/#{options}/#{path}"
  end
end

if __FILE__ == $PROGRAM_NAME
  base, options, key = ARGV
  puts Imgcdn.signed_url(base, ENV.fetch("IMGCDN_SIGNING_KEY"), options, key)
end

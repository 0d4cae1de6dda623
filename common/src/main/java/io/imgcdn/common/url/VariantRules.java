package io.imgcdn.common.url;

import io.imgcdn.common.http.HttpError;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Which variant URLs name something that may be made: a {@code /t/} URL whose signature is the HMAC
 * of its options and key, a {@code /v/} URL naming a known preset. One rule for every tier that
 * checks them: the edge, so a forged signature or an unknown preset never reaches a shard, and the
 * origin, before it reads S3.
 */
public final class VariantRules {
  /*
   * What is not known here is not checked: an edge without the signing key passes /t/ URLs on (the
   * origin, which has it, decides), an edge without the preset list passes /v/ URLs on. The origin
   * always knows both, and refuses /t/ when it has no key. The messages name what was wrong and the
   * setting that decides, never the key.
   */
  /**
   * The name under {@code /v/} that answers an original's BlurHash (docs/HTTP-API.md): known to
   * every tier whatever the preset list says, and no preset may take it.
   */
  public static final String BLURHASH = "blurhash";

  private final @Nullable UrlSigner signer;
  private final boolean refuseWithoutKey;
  private final @Nullable Set<String> presets;
  private final String keySetting;

  /**
   * @param signer verifies {@code /t/} signatures; null: none
   * @param refuseWithoutKey without a signer, refuse {@code /t/} (403) rather than pass it on
   * @param presets the preset names {@code /v/} may use; null: not checked here
   * @param keySetting the setting that holds the key, named in messages (origin.signing-key)
   */
  public VariantRules(
      @Nullable UrlSigner signer,
      boolean refuseWithoutKey,
      @Nullable Set<String> presets,
      String keySetting) {
    this.signer = signer;
    this.refuseWithoutKey = refuseWithoutKey;
    this.presets = presets == null ? null : Set.copyOf(presets);
    this.keySetting = keySetting;
  }

  /** Whether this checks anything at all (an edge with neither key nor presets does not). */
  public boolean checksAnything() {
    return signer != null || refuseWithoutKey || presets != null;
  }

  /**
   * Passes a URL that may be served; refuses the others.
   *
   * @throws HttpError 403 for a {@code /t/} URL whose signature is not the HMAC of its options and
   *     key (or when signed URLs are off), 404 for a {@code /v/} URL naming an unknown preset
   */
  public void check(ImageUrl url) {
    switch (url) {
      case ImageUrl.Signed s -> {
        if (signer == null) {
          if (refuseWithoutKey) {
            throw new HttpError(
                HttpResponseStatus.FORBIDDEN,
                "signed URLs are disabled (" + keySetting + " unset)");
          }
        } else if (!signer.verify(s.signature(), s.signedPart())) {
          throw new HttpError(
              HttpResponseStatus.FORBIDDEN,
              "invalid signature for "
                  + s.signedPart()
                  + " (expected: the HMAC-SHA256 of {options}/{key} under "
                  + keySetting
                  + ", "
                  + UrlSigner.SIGNATURE_CHARS
                  + " characters of URL-safe base64)");
        }
      }
      case ImageUrl.Preset p -> {
        if (presets != null && !presets.contains(p.preset()) && !p.preset().equals(BLURHASH)) {
          throw HttpError.notFound(
              "unknown preset: "
                  + p.preset()
                  + " (known: "
                  + String.join(", ", new TreeSet<>(presets))
                  + ")");
        }
      }
      case ImageUrl.Original o -> {}
    }
  }
}

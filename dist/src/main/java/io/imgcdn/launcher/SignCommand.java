package io.imgcdn.launcher;

import io.imgcdn.common.config.Settings;
import io.imgcdn.common.http.HttpError;
import io.imgcdn.common.url.ImageUrl;
import io.imgcdn.origin.options.VariantSpec;
import io.imgcdn.origin.security.UrlSigner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code imgcdn sign}: the signed {@code /t/} URL of a variant, for apps and scripts that generate
 * media URLs (the examples in examples/signing/ compute the same URL in other languages).
 */
@Command(
    name = "sign",
    mixinStandardHelpOptions = true,
    description = {
      "Print the signed URL of an ad-hoc variant: BASE/t/SIGNATURE/OPTIONS/KEY, the signature being"
          + " HMAC-SHA256 of OPTIONS/KEY under the origins' origin.signing-key (docs/HTTP-API.md).",
      "The options are checked as the origin checks them, so a URL this prints is never refused for"
          + " its syntax."
    },
    footer = {
      "",
      "The signing key comes from --key-file, else the environment variable IMGCDN_SIGNING_KEY,"
          + " else origin.signing-key in the node configuration given with --config.",
      "Examples:",
      "  IMGCDN_SIGNING_KEY=... imgcdn sign --base https://cdn.example w=240,h=240,fit=cover"
          + " photos/a.jpg",
      "  imgcdn sign --config /etc/imgcdn/origin-1/node.properties w=600,f=webp:jpeg 'photos/cat"
          + " one.jpg'"
    })
final class SignCommand implements Callable<Integer> {
  static final String KEY_ENV = "IMGCDN_SIGNING_KEY";

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--key-file",
      paramLabel = "FILE",
      description = "A file holding the signing key (one line; a trailing newline is ignored).")
  @Nullable Path keyFile;

  @Option(
      names = {"-c", "--config"},
      paramLabel = "FILE",
      description = "An origin's properties file: its origin.signing-key is used.")
  @Nullable Path config;

  @Option(
      names = "--base",
      paramLabel = "URL",
      description =
          "Scheme and host the path is appended to, e.g. https://cdn.example (default: none,"
              + " the path alone).")
  String base = "";

  @Parameters(index = "0", paramLabel = "OPTIONS", description = "e.g. w=240,h=240,fit=cover")
  String options = "";

  @Parameters(
      index = "1",
      paramLabel = "KEY",
      description = "The original's S3 key, as stored (not percent-encoded), e.g. photos/a.jpg")
  String objectKey = "";

  private final Map<String, String> environment;

  SignCommand() {
    this(System.getenv());
  }

  SignCommand(Map<String, String> environment) {
    this.environment = environment;
  }

  @Override
  public Integer call() throws IOException {
    VariantSpec.parse(options); // IllegalArgumentException naming the bad option: exit 2
    UrlSigner signer = new UrlSigner(signingKey().getBytes(StandardCharsets.UTF_8));
    ImageUrl.Signed url =
        new ImageUrl.Signed(signer.sign(options + "/" + objectKey), options, objectKey);
    String path = url.encodedPath();
    try {
      // The same parser every tier runs: a key the edge would refuse is refused here, by name.
      ImageUrl parsed = ImageUrl.parse(path);
      if (!parsed.equals(url)) {
        throw new IllegalArgumentException(
            "key: '" + objectKey + "' does not survive a round trip");
      }
    } catch (HttpError e) {
      throw new IllegalArgumentException("key: '" + objectKey + "': " + e.getMessage(), e);
    }
    spec.commandLine().getOut().println(stripTrailingSlash(base) + path);
    spec.commandLine().getOut().flush();
    return 0;
  }

  private String signingKey() throws IOException {
    if (keyFile != null) {
      return Files.readString(keyFile, StandardCharsets.UTF_8).strip();
    }
    String fromEnvironment = environment.get(KEY_ENV);
    if (fromEnvironment != null && !fromEnvironment.isEmpty()) {
      return fromEnvironment;
    }
    if (config != null) {
      Settings settings = Settings.load(config, Map.of());
      String key = settings.string("origin.signing-key", "");
      if (!key.isEmpty()) {
        return key;
      }
      throw new IllegalArgumentException(config + " sets no origin.signing-key");
    }
    throw new IllegalArgumentException(
        "no signing key: give --key-file, set " + KEY_ENV + ", or --config an origin's properties");
  }

  private static String stripTrailingSlash(String base) {
    return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
  }
}

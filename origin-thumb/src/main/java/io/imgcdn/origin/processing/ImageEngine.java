package io.imgcdn.origin.processing;

import io.imgcdn.origin.options.OutputFormat;
import io.imgcdn.origin.options.VariantSpec;
import io.imgcdn.origin.security.ImageLimits;
import java.time.Instant;
import java.util.Set;

/**
 * Turns the bytes of an original into one encoded thumbnail. Implementations are thread-safe and
 * CPU-bound (some call native code): run them on a bounded pool of platform threads, never on an
 * event loop or a virtual thread.
 */
public interface ImageEngine {

  /** A short name for logs and metrics, e.g. {@code java} or {@code libvips-8.14.1}. */
  String name();

  /**
   * The formats this engine can encode (the Java engine: JPEG, PNG, GIF; libvips: also WebP, AVIF).
   */
  Set<OutputFormat> writableFormats();

  /**
   * Renders {@code spec} from {@code source}.
   *
   * <p>A negotiating spec ({@link VariantSpec#negotiates()}) is rendered in the first of its {@link
   * VariantSpec#candidates()} this engine can write, except that an animated source that the engine
   * can render animated takes the first candidate that animates (WebP) if there is one; {@link
   * Thumbnail#format()} says which. Callers reduce the spec to what the request accepts first
   * ({@link VariantSpec#forAccept}).
   *
   * <p>Checks {@code limits} from the image header before decoding any pixel, and gives up with
   * status 504 once {@code deadline} has passed (checked between steps and, where the decoder
   * reports progress, during decoding).
   *
   * @throws ImageProcessingException carrying the HTTP status and a public message: 415 not an
   *     image, 422 too large, a bomb, corrupt or truncated, 406 format not supported by this
   *     engine, 504 deadline passed, 500 an internal failure
   */
  Thumbnail render(byte[] source, VariantSpec spec, ImageLimits limits, Instant deadline)
      throws ImageProcessingException;
}

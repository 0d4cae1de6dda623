package io.imgcdn.origin.processing;

import io.imgcdn.origin.options.OutputFormat;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A thumbnail job that failed, with the HTTP status and a safe public one-line message: 415 not an
 * image, 422 too large/bomb/corrupt/truncated, 406 format not supported by this engine, 504
 * deadline passed, 500 an internal failure.
 *
 * <p>{@link #getMessage()} holds the internal detail for the log only; send {@link
 * #publicMessage()} to clients. Only 5xx are worth reporting as errors ({@link #shouldReport()}).
 */
public final class ImageProcessingException extends Exception {

  private static final long serialVersionUID = 1L;

  private final int status;
  private final String publicMessage;

  private ImageProcessingException(
      int status, String publicMessage, String detail, @Nullable Throwable cause) {
    super(detail, cause);
    this.status = status;
    this.publicMessage = Objects.requireNonNull(publicMessage, "publicMessage");
  }

  /** 415: the source is not an image this engine can read. */
  public static ImageProcessingException notAnImage(String detail) {
    return new ImageProcessingException(415, "Source is not a supported image", detail, null);
  }

  /** 422: refused by a limit; {@code publicMessage} may name the limit, never internal detail. */
  public static ImageProcessingException tooLarge(String publicMessage, String detail) {
    return new ImageProcessingException(422, publicMessage, detail, null);
  }

  /**
   * 422: the source is corrupt or truncated; {@code problem} names what is wrong in a few words (a
   * decoder's own message is fine: it says nothing of the server), {@code detail} is for the log.
   */
  public static ImageProcessingException corrupt(
      String problem, String detail, @Nullable Throwable cause) {
    return new ImageProcessingException(
        422, "Image is corrupt or truncated: " + oneLine(problem), detail, cause);
  }

  /** The first line of {@code text}, printable ASCII only, at most 160 characters. */
  static String oneLine(String text) {
    StringBuilder sb = new StringBuilder(Math.min(text.length(), 160));
    for (int i = 0; i < text.length() && sb.length() < 160; i++) {
      char c = text.charAt(i);
      if (c == '\n' || c == '\r') {
        if (!sb.isEmpty()) {
          break;
        }
      } else {
        sb.append(c >= 0x20 && c < 0x7F ? c : '?');
      }
    }
    return sb.isEmpty() ? "unreadable" : sb.toString().strip();
  }

  /** 406: this engine cannot write {@code format}. */
  public static ImageProcessingException formatNotSupported(OutputFormat format, String engine) {
    return new ImageProcessingException(
        406,
        "Output format " + format.token() + " is not supported",
        "engine " + engine + " cannot write " + format,
        null);
  }

  /** 504: the job's deadline passed at {@code stage}. */
  public static ImageProcessingException deadlineExceeded(String stage) {
    return new ImageProcessingException(
        504, "Image processing timed out", "deadline passed at " + stage, null);
  }

  /** 500: a failure that is the engine's fault, not the source's. */
  public static ImageProcessingException internal(String detail, @Nullable Throwable cause) {
    return new ImageProcessingException(500, "Internal image processing error", detail, cause);
  }

  /** The HTTP status to answer with. */
  public int status() {
    return status;
  }

  /** A one-line message safe to send to clients. */
  public String publicMessage() {
    return publicMessage;
  }

  /** Whether this is the server's fault (5xx) and worth logging as an error. */
  public boolean shouldReport() {
    return status >= 500;
  }
}

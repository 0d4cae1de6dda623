package io.imgcdn.common.http;

/**
 * A shard's first request for an original, to the origin: "the whole original if it is at most
 * {@link #WHOLE_UP_TO} bytes, else a 206 of its first {@link #BYTES} bytes with its length in
 * Content-Range", so that one request tells the shard whether to store it whole or as chunks to
 * fill by ranged requests. A server that knows neither header answers 200 whole, as to any GET.
 */
public final class FirstPart {
  /** The first part's length in bytes (the shard's chunk). */
  public static final String BYTES = "X-Imgcdn-First-Part";

  /** The longest original to be sent whole (what the shard's store keeps whole). */
  public static final String WHOLE_UP_TO = "X-Imgcdn-Whole-Up-To";

  private FirstPart() {}
}

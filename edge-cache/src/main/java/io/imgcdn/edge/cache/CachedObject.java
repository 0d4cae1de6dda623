package io.imgcdn.edge.cache;

import io.imgcdn.common.http.AcceptClass;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One object held in memory: its body in one off-heap buffer, preceded by its response header lines
 * already encoded, plus the few header values the conditional and range paths need. Reference
 * counted: the cache holds one reference, each response that writes it holds one for as long as it
 * needs it.
 */
public final class CachedObject {
  /*
   * Layout of the stored buffer:
   *
   *   Content-Type: image/jpeg\r\n            <- header lines, encoded at insert
   *   Content-Length: 61234\r\n
   *   ETag: "..."\r\n
   *   Last-Modified: Wed, 21 Oct 2015 07:28:00 GMT\r\n
   *   Cache-Control: public, max-age=31536000, immutable\r\n
   *   Accept-Ranges: bytes\r\n
   *   \r\n                                     <- end of head
   *   <body bytes>
   *
   * A 200 is then two writes and no copy: a small prefix holding the status line and what changes per
   * response (Date, X-Cache, Connection), and a retained slice of this buffer from its first byte (HEAD:
   * up to the end of the head). The ranges and 304 paths, rarer, build their heads with the encoder.
   *
   * Reference counting is ours, not only Netty's, because of one race: a hit finds the object in the
   * index at the same moment eviction removes it and drops the cache's reference. Calling retain() on a
   * ByteBuf whose count already reached zero throws, and worse, the buffer may have been freed and its
   * memory reused. So a hit first calls tryRetain(), a compare-and-set loop that refuses to go up from
   * zero; a hit that loses the race is a miss. Once it holds a reference it takes retained slices of the
   * buffer (Netty's count, which keeps the memory alive while the socket writes it) and drops its own.
   * The buffer itself holds exactly one Netty reference, released when our count reaches zero: freed
   * exactly once, and never while a slice of it is still being written.
   */
  private static final VarHandle REFS;

  static {
    try {
      REFS = MethodHandles.lookup().findVarHandle(CachedObject.class, "refs", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Bytes charged per entry beyond the buffer: index node, key, this object, its strings. */
  static final int ENTRY_OVERHEAD = 256;

  private final ByteBuf stored;
  private final int headBytes;
  private final int bodyBytes;
  private final String contentType;
  private final String etag;
  private final String lastModified;
  private final String cacheControl;

  /**
   * The Vary value of the head ("" without one): 304 and 206 heads, built apart, must repeat it.
   */
  private final String vary;

  private final String upstreamChain;
  private final Runnable onFree;
  private final String @Nullable [] representationKeys; // markers only

  @SuppressWarnings("unused") // through REFS
  private volatile int refs = 1;

  private CachedObject(
      ByteBuf stored,
      int headBytes,
      int bodyBytes,
      String contentType,
      String etag,
      String lastModified,
      String cacheControl,
      String vary,
      String upstreamChain,
      Runnable onFree) {
    this(
        stored,
        headBytes,
        bodyBytes,
        contentType,
        etag,
        lastModified,
        cacheControl,
        vary,
        upstreamChain,
        onFree,
        null);
  }

  private CachedObject(
      ByteBuf stored,
      int headBytes,
      int bodyBytes,
      String contentType,
      String etag,
      String lastModified,
      String cacheControl,
      String vary,
      String upstreamChain,
      Runnable onFree,
      String @Nullable [] representationKeys) {
    this.representationKeys = representationKeys;
    this.vary = vary;
    this.stored = stored;
    this.headBytes = headBytes;
    this.bodyBytes = bodyBytes;
    this.contentType = contentType;
    this.etag = etag;
    this.lastModified = lastModified;
    this.cacheControl = cacheControl;
    this.upstreamChain = upstreamChain;
    this.onFree = onFree;
  }

  /**
   * A marker entry: stored under a plain key whose responses vary by Accept, it says "look up the
   * representation of the request's AcceptClass" (docs/EDGE.md, "Format negotiation"). No body, no
   * off-heap memory.
   */
  @SuppressWarnings("EnumOrdinal") // indexes an in-memory array, as EnumMap does; never stored
  static CachedObject newMarker(String key) {
    AcceptClass[] classes = AcceptClass.values();
    String[] keys = new String[classes.length];
    for (AcceptClass c : classes) {
      keys[c.ordinal()] = c.key(key); // built once here, not per hit
    }
    return new CachedObject(Unpooled.EMPTY_BUFFER, 0, 0, "", "", "", "", "", "", () -> {}, keys);
  }

  /** Whether this is a marker entry (then it has no head and no body to send). */
  public boolean marker() {
    return representationKeys != null;
  }

  /** For a marker: the key of {@code accept}'s representation, {@code accept.key(key)}. */
  @SuppressWarnings("EnumOrdinal") // indexes an in-memory array, as EnumMap does; never stored
  public String representationKey(AcceptClass accept) {
    if (representationKeys == null) {
      throw new IllegalStateException("not a marker entry");
    }
    return representationKeys[accept.ordinal()];
  }

  /** Bytes of the encoded header lines including the blank line that ends the head. */
  public int headBytes() {
    return headBytes;
  }

  public int bodyBytes() {
    return bodyBytes;
  }

  public String contentType() {
    return contentType;
  }

  public String etag() {
    return etag;
  }

  /** The Last-Modified value stored with the object, "" when it has none. */
  public String lastModified() {
    return lastModified;
  }

  public String cacheControl() {
    return cacheControl;
  }

  /** The Vary header value stored with the object, "" when it has none. */
  public String vary() {
    return vary;
  }

  /**
   * The X-Cache chain of the tiers behind this edge when the object was fetched ("shard-2;miss,
   * ...").
   */
  public String upstreamChain() {
    return upstreamChain;
  }

  /** Memory this entry costs, for the cache's byte bound. */
  public int weight() {
    return stored.capacity() + ENTRY_OVERHEAD;
  }

  /**
   * The encoded header lines and blank line, followed by the whole body when {@code withBody}: a
   * retained slice the caller owns (the socket releases it once written). The caller must hold a
   * reference to this object.
   */
  public ByteBuf headAndBody(boolean withBody) {
    return stored.retainedSlice(0, withBody ? headBytes + bodyBytes : headBytes);
  }

  /**
   * A retained slice of the body from {@code first}, {@code length} bytes. The caller must hold a
   * reference.
   */
  public ByteBuf body(int first, int length) {
    Objects.checkFromIndexSize(first, length, bodyBytes);
    return stored.retainedSlice(headBytes + first, length);
  }

  /** Takes a reference unless the count already reached zero (evicted and freed): then false. */
  public boolean tryRetain() {
    int r;
    do {
      r = (int) REFS.getVolatile(this);
      if (r <= 0) {
        return false;
      }
    } while (!REFS.compareAndSet(this, r, r + 1));
    return true;
  }

  /** Takes a reference; the caller must already hold one. */
  public CachedObject retain() {
    if (!tryRetain()) {
      throw new IllegalStateException(
          "retain() on a freed cached object (expected: the caller holds a reference)");
    }
    return this;
  }

  /** Drops a reference; the last one frees the buffer. */
  public void release() {
    int before = (int) REFS.getAndAdd(this, -1);
    if (before == 1) {
      stored.release();
      onFree.run();
    } else if (before <= 0) {
      throw new IllegalStateException(
          "release() of a freed cached object: count was " + before + " (expected: > 0)");
    }
  }

  /** Current reference count (tests, diagnostics). */
  public int refCount() {
    return (int) REFS.getVolatile(this);
  }

  /** Whether the buffer has been freed. */
  public boolean freed() {
    return stored.refCnt() == 0;
  }

  /**
   * Assembles one object: the head is encoded when the builder is made, the body appended piece by
   * piece as it arrives from upstream, into one buffer of the exact final size.
   */
  public static final class Builder {
    private final ByteBuf stored;
    private final int headBytes;
    private final int bodyBytes;
    private final String contentType;
    private final String etag;
    private final String lastModified;
    private final String cacheControl;
    private final String vary;
    private final Runnable onFree;
    private final Runnable onDone;
    private boolean done;

    Builder(
        ByteBufAllocator alloc,
        String contentType,
        String etag,
        String lastModified,
        String cacheControl,
        @Nullable String vary,
        int bodyBytes,
        Runnable onFree,
        Runnable onDone) {
      this.onDone = onDone;
      this.contentType = Objects.requireNonNull(contentType, "contentType");
      this.etag = Objects.requireNonNull(etag, "etag");
      this.lastModified = Objects.requireNonNull(lastModified, "lastModified");
      this.cacheControl = Objects.requireNonNull(cacheControl, "cacheControl");
      this.vary = vary == null ? "" : vary;
      this.bodyBytes = bodyBytes;
      this.onFree = onFree;
      StringBuilder head =
          new StringBuilder(192)
              .append("Content-Type: ")
              .append(contentType)
              .append("\r\n")
              .append("Content-Length: ")
              .append(bodyBytes)
              .append("\r\n");
      if (!etag.isEmpty()) {
        head.append("ETag: ").append(etag).append("\r\n");
      }
      if (!lastModified.isEmpty()) {
        head.append("Last-Modified: ").append(lastModified).append("\r\n");
      }
      head.append("Cache-Control: ").append(cacheControl).append("\r\n");
      if (!this.vary.isEmpty()) {
        head.append("Vary: ").append(this.vary).append("\r\n");
      }
      head.append("Accept-Ranges: bytes\r\n\r\n");
      this.headBytes = head.length();
      this.stored = alloc.directBuffer(headBytes + bodyBytes, headBytes + bodyBytes);
      ByteBufUtil.writeAscii(stored, head);
    }

    /** Bytes of body still expected. */
    public int remaining() {
      return stored.writableBytes();
    }

    /**
     * Copies a piece of the body in (without releasing it); fails if it overflows the announced
     * length.
     */
    public void append(ByteBuf piece) {
      int n = piece.readableBytes();
      if (n > stored.writableBytes()) {
        throw new IllegalStateException(
            "body piece of "
                + n
                + " bytes overflows the announced length "
                + bodyBytes
                + " (expected: <= "
                + stored.writableBytes()
                + " more)");
      }
      stored.writeBytes(piece, piece.readerIndex(), n);
    }

    /**
     * The finished object, holding one reference (the caller's). Fails if the body is incomplete.
     */
    public CachedObject build(String upstreamChain) {
      if (stored.isWritable()) {
        throw new IllegalStateException(
            "body incomplete: "
                + (headBytes + bodyBytes - stored.writerIndex())
                + " of "
                + bodyBytes
                + " bytes missing");
      }
      done = true;
      onDone.run();
      return new CachedObject(
          stored,
          headBytes,
          bodyBytes,
          contentType,
          etag,
          lastModified,
          cacheControl,
          vary,
          upstreamChain,
          onFree);
    }

    /** Frees the buffer of an object that will not be finished (the upstream failed mid-body). */
    public void abandon() {
      if (!done) {
        done = true;
        onDone.run();
        stored.release();
        onFree.run();
      }
    }
  }
}

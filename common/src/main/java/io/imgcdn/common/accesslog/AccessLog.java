package io.imgcdn.common.accesslog;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.netty.util.internal.PlatformDependent;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's access log: {@link #log} is called on an event loop for every finished request and only
 * queues it; one writer thread formats the lines (LTSV or JSON) and writes them to a file or to the
 * SLF4J logger {@value #LOGGER}.
 */
public final class AccessLog implements AutoCloseable {
  /*
   * Never blocking the event loop. The queue is a bounded lock-free multi-producer queue (Netty's, an
   * array of fixed size): offer() never waits and allocates nothing; when the writer falls behind (a slow
   * disk, a full pipe) the line is dropped and counted (imgcdn_access_log_dropped_total), as nginx cannot
   * but a CDN node must: serving matters more than its log.
   *
   * Allocation on the event loop: one small Entry per request holding references the request already has
   * (method and version are constants, the URI and header values are the decoder's strings). Only the two
   * header values are kept, not the headers object, so a full queue holds a few hundred bytes per line, not
   * whole requests. The time text, escaping and character encoding happen on the writer thread.
   *
   * The writer parks for up to WAKE_MILLIS when the queue is empty rather than being woken per line
   * (unpark is a system call on the hot path); a line therefore reaches the file within about that long,
   * and close() drains whatever is queued.
   *
   * Rotation: the file is reopened when the path no longer names the open file (logrotate's default
   * create mode moved it away); copytruncate works as well since the file is opened for appending.
   */
  /** The SLF4J logger that receives the lines when no file is set. */
  public static final String LOGGER = "imgcdn.access";

  private static final long WAKE_MILLIS = 50;
  private static final long REOPEN_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
  private static final Logger LOG = LoggerFactory.getLogger(AccessLog.class);

  private final AccessLogSettings settings;
  private final String node;
  private final Queue<Entry> queue;
  private final LongAdder dropped = new LongAdder();
  private final Sink sink;
  private final Thread writer;
  private volatile boolean running = true;
  private volatile long written;

  /** What the event loop hands over: references only, formatted later. */
  private record Entry(
      long epochMillis,
      HttpMethod method,
      String uri,
      HttpVersion version,
      @Nullable SocketAddress remote,
      @Nullable String userAgent,
      @Nullable String requestId,
      int status,
      long bytes,
      long nanos,
      @Nullable String xCache) {}

  private AccessLog(AccessLogSettings settings, String node, Sink sink) {
    this.settings = settings;
    this.node = node;
    this.queue = PlatformDependent.newFixedMpscQueue(settings.queue());
    this.sink = sink;
    this.writer = Thread.ofPlatform().name(node + "-access-log").daemon(true).unstarted(this::run);
    writer.start();
  }

  /**
   * The access log these settings ask for, with its writer thread started, or null when they say
   * off. A file that cannot be opened fails here, naming the key and the path.
   */
  public static @Nullable AccessLog open(AccessLogSettings settings, String node) {
    Objects.requireNonNull(node, "node");
    if (settings.format() == AccessLogSettings.Format.OFF) {
      return null;
    }
    Sink sink;
    Path file = settings.file();
    if (file == null) {
      sink = new LoggerSink();
    } else {
      try {
        sink = new FileSink(file);
      } catch (IOException e) {
        throw new IllegalStateException(
            AccessLogSettings.FILE + ": cannot open " + file + " for appending (" + e + ")", e);
      }
    }
    return new AccessLog(settings, node, sink);
  }

  /**
   * Queues one finished request; never blocks. Call on the event loop once the response is written.
   */
  public void log(
      HttpMethod method,
      String uri,
      HttpVersion version,
      @Nullable SocketAddress remote,
      HttpHeaders headers,
      int status,
      @Nullable String xCache,
      long bodyBytes,
      long nanos) {
    if (!queue.offer(
        new Entry(
            System.currentTimeMillis(),
            method,
            uri,
            version,
            remote,
            headers.get(HttpHeaderNames.USER_AGENT),
            headers.get(X_REQUEST_ID),
            status,
            bodyBytes,
            nanos,
            xCache))) {
      dropped.increment();
    }
  }

  /** Lines dropped because the queue was full. */
  public long dropped() {
    return dropped.sum();
  }

  /** Lines written (handed to the file or the logger). */
  public long written() {
    return written;
  }

  public AccessLogSettings settings() {
    return settings;
  }

  @SuppressWarnings("NonAtomicVolatileUpdate") // only this thread writes `written`; others read it
  private void run() {
    StringBuilder line = new StringBuilder(512);
    AccessLine.TimeText time = new AccessLine.TimeText();
    long nextReopenCheck = System.nanoTime() + REOPEN_CHECK_NANOS;
    while (true) {
      Entry e = queue.poll();
      if (e == null) {
        try {
          sink.flush();
          if (System.nanoTime() - nextReopenCheck > 0) {
            nextReopenCheck = System.nanoTime() + REOPEN_CHECK_NANOS;
            sink.reopenIfMoved();
          }
        } catch (IOException ex) {
          LOG.warn("{}: access log: {}", node, ex.toString());
        }
        if (!running && queue.isEmpty()) {
          return;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(WAKE_MILLIS));
        continue;
      }
      if (!sink.enabled()) {
        continue; // a logger switched off: not even formatted
      }
      line.setLength(0);
      new AccessLine(
              e.epochMillis(),
              e.method().name(),
              e.uri(),
              e.version().text(),
              e.remote(),
              e.userAgent(),
              e.requestId(),
              e.status(),
              e.bytes(),
              e.nanos(),
              e.xCache())
          .appendTo(line, settings.format(), node, time);
      try {
        sink.write(line);
        written++; // single writer
      } catch (IOException | RuntimeException ex) {
        dropped.increment();
        LOG.warn("{}: access log: cannot write: {}", node, ex.toString());
      }
    }
  }

  /** Writes what is queued, stops the writer thread and closes the file. */
  @Override
  public void close() {
    running = false;
    LockSupport.unpark(writer);
    try {
      writer.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sink.close();
  }

  /** Where formatted lines go; used by the writer thread only. */
  private interface Sink {
    default boolean enabled() {
      return true;
    }

    void write(CharSequence line) throws IOException;

    void flush() throws IOException;

    default void reopenIfMoved() throws IOException {}

    void close();
  }

  private static final class LoggerSink implements Sink {
    private final Logger logger = LoggerFactory.getLogger(LOGGER);

    @Override
    public boolean enabled() {
      return logger.isInfoEnabled();
    }

    @Override
    public void write(CharSequence line) {
      logger.info(line.toString());
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }

  private static final class FileSink implements Sink {
    private final Path path;
    private Writer out;
    private Object fileKey;

    FileSink(Path path) throws IOException {
      this.path = path;
      open();
    }

    private void open() throws IOException {
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      out =
          new BufferedWriter(
              new OutputStreamWriter(
                  Files.newOutputStream(
                      path,
                      StandardOpenOption.CREATE,
                      StandardOpenOption.APPEND,
                      StandardOpenOption.WRITE),
                  StandardCharsets.UTF_8),
              64 * 1024);
      fileKey = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    }

    @Override
    public void write(CharSequence line) throws IOException {
      out.append(line).append('\n');
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void reopenIfMoved() throws IOException {
      boolean moved;
      try {
        Object now = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        moved = fileKey != null && !fileKey.equals(now);
      } catch (NoSuchFileException e) {
        moved = true;
      }
      if (moved) {
        out.close();
        open();
      }
    }

    @Override
    public void close() {
      try {
        out.close();
      } catch (IOException e) {
        LOG.warn("access log {}: cannot close: {}", path, e.toString());
      }
    }
  }
}

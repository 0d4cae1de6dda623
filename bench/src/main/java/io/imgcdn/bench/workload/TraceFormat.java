package io.imgcdn.bench.workload;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The trace file every tool replays: UTF-8 text, one request per line, {@code <path> <size>}, e.g.
 *
 * <pre>
 * # imgcdn-trace v1
 * # seed=42 originals=20000 zipf=0.9 requests=1000000 mix=original:0.1,w150:0.35 drift=0/0
 * /v/w150/img/004211.jpg 7364
 * /img/013007.jpg 61251
 * </pre>
 *
 * Lines starting with {@code #} and blank lines are comments. The path is what a client GETs from
 * the CDN ({@code /{key}} or {@code /v/{preset}/{key}}); the size is the object's size in bytes.
 */
public final class TraceFormat {

  /** The first line of every trace this class writes. */
  public static final String MAGIC = "# imgcdn-trace v1";

  private TraceFormat() {}

  /** Writes the trace of {@code workload} to {@code file} and returns the number of requests. */
  public static long write(Path file, Workload workload) throws IOException {
    WorkloadSpec s = workload.spec();
    String header =
        "seed="
            + s.seed()
            + " originals="
            + s.originals()
            + " zipf="
            + s.zipfExponent()
            + " requests="
            + s.requests()
            + " mix="
            + s.mixText()
            + " drift="
            + s.driftEveryRequests()
            + "/"
            + s.driftKeys();
    return write(file, List.of(header), workload.requests());
  }

  /**
   * Writes {@code requests} to {@code file} after {@code comments} (each written as a {@code #}
   * line).
   */
  public static long write(Path file, List<String> comments, Iterator<TraceRequest> requests)
      throws IOException {
    long n = 0;
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write(MAGIC);
      w.write('\n');
      for (String c : comments) {
        w.write("# " + c.replace('\n', ' '));
        w.write('\n');
      }
      while (requests.hasNext()) {
        TraceRequest r = requests.next();
        w.write(r.path());
        w.write(' ');
        w.write(Long.toString(r.size()));
        w.write('\n');
        n++;
      }
    }
    return n;
  }

  /** Parses one non-comment line. */
  public static TraceRequest parseLine(String line) {
    int space = line.lastIndexOf(' ');
    if (space <= 0) {
      throw new IllegalArgumentException("trace line: '" + line + "' (expected: <path> <size>)");
    }
    try {
      return new TraceRequest(
          line.substring(0, space).strip(), Long.parseLong(line.substring(space + 1).strip()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("trace line: '" + line + "' (expected: <path> <size>)", e);
    }
  }

  /** Opens {@code file} for streaming; close the reader when done. */
  public static Reader open(Path file) throws IOException {
    return new Reader(Files.newBufferedReader(file, StandardCharsets.UTF_8), file.toString());
  }

  /** Streams a trace file's requests; IO and format errors name the file and line. */
  public static final class Reader implements Iterator<TraceRequest>, Closeable {
    private final BufferedReader in;
    private final String name;
    private long lineNumber;
    private @Nullable TraceRequest next; // read ahead by hasNext()

    private Reader(BufferedReader in, String name) {
      this.in = in;
      this.name = name;
    }

    @Override
    public boolean hasNext() {
      if (next != null) {
        return true;
      }
      try {
        String line;
        while ((line = in.readLine()) != null) {
          lineNumber++;
          if (line.isBlank() || line.startsWith("#")) {
            continue;
          }
          try {
            next = parseLine(line);
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ":" + lineNumber + ": " + e.getMessage(), e);
          }
          return true;
        }
        return false;
      } catch (IOException e) {
        throw new UncheckedIOException(name + ":" + lineNumber, e);
      }
    }

    @Override
    public TraceRequest next() {
      if (!hasNext()) {
        throw new NoSuchElementException(name + ": no more requests after line " + lineNumber);
      }
      TraceRequest r = Objects.requireNonNull(next); // hasNext() read it
      next = null;
      return r;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}

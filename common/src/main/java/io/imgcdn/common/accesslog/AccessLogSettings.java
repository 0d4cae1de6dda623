package io.imgcdn.common.accesslog;

import io.imgcdn.common.config.Settings;
import java.nio.file.Path;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Where and how a node writes its access log: one line per finished request.
 *
 * <table>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>server.access-log</td><td>ltsv</td><td>off, ltsv (labelled tab-separated values, as pixiv logs) or
 *       json (one JSON object per line)</td></tr>
 *   <tr><td>server.access-log.file</td><td>empty</td><td>file the lines are appended to (reopened when
 *       logrotate moves it away); empty hands them to the SLF4J logger {@code imgcdn.access} at INFO</td></tr>
 *   <tr><td>server.access-log.queue</td><td>16384</td><td>lines waiting for the writer thread; when it is
 *       full, lines are dropped and counted (imgcdn_access_log_dropped_total), never waited for</td></tr>
 * </table>
 */
public record AccessLogSettings(Format format, @Nullable Path file, int queue) {
  /*
   * Default ltsv to the logger rather than to a file: a node does not know a good directory for a file of
   * its own (tests and the demo run nodes from any working directory, and a default path would scatter
   * logs/ folders there), while the logger leaves the choice to the deployment: the distribution's
   * logback.xml sends imgcdn.access to standard output (the journal under systemd), Ansible sets a file
   * under the node's log directory, and a JVM without an SLF4J binding simply drops the lines. On by
   * default because an operator debugging a bad hour needs the lines that were written during it.
   */
  public static final String FORMAT = "server.access-log";
  public static final String FORMAT_DEFAULT = "ltsv";
  public static final String FILE = "server.access-log.file";
  public static final String QUEUE = "server.access-log.queue";
  public static final int QUEUE_DEFAULT = 16_384;

  /** The line format. */
  public enum Format {
    OFF,
    LTSV,
    JSON
  }

  public AccessLogSettings {
    if (queue < 1) {
      throw new IllegalArgumentException("queue: " + queue + " (expected: >= 1)");
    }
  }

  /** Logging switched off. */
  public static AccessLogSettings off() {
    return new AccessLogSettings(Format.OFF, null, QUEUE_DEFAULT);
  }

  /** Reads the keys of the table above. */
  public static AccessLogSettings from(Settings s) {
    String raw = s.string(FORMAT, FORMAT_DEFAULT);
    Format format = Format.LTSV;
    try {
      format = Format.valueOf(raw.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      s.problem(FORMAT, "'" + raw + "' (expected: off, ltsv or json)");
    }
    String file = s.string(FILE, "");
    int queue = s.integer(QUEUE, QUEUE_DEFAULT, 16, 16 * 1024 * 1024);
    return new AccessLogSettings(format, file.isEmpty() ? null : Path.of(file), queue);
  }
}

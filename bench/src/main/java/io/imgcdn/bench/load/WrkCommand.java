package io.imgcdn.bench.load;

import io.imgcdn.bench.workload.TraceFormat;
import io.imgcdn.bench.workload.Workload;
import io.imgcdn.bench.workload.WorkloadOptions;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code wrk}: writes a wrk Lua script replaying a trace and, with {@code --run}, runs wrk with it.
 */
@Command(
    name = "wrk",
    description = "Write a wrk Lua script for a trace; with --run, run wrk (Debian package wrk).")
public final class WrkCommand implements Callable<Integer> {

  @Mixin WorkloadOptions workload;

  @Option(
      names = "--trace",
      description = "Trace file to replay (default: generate one from the workload options).")
  Path trace;

  @Option(names = "--script", required = true, description = "Lua script to write.")
  Path script;

  @Option(
      names = "--threads",
      defaultValue = "1",
      description = "wrk threads (-t) the script is for (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--x-cache", description = "Count X-Cache verdicts per tier (slows wrk down).")
  boolean countXCache;

  @Option(
      names = "--run",
      description = "Run wrk with the script against --target and print its output.")
  boolean run;

  @Option(names = "--target", description = "Base URI for --run, e.g. http://127.0.0.1:8080.")
  URI target;

  @Option(
      names = "--connections",
      defaultValue = "16",
      description = "wrk connections (-c) for --run (default: ${DEFAULT-VALUE}).")
  int connections;

  @Option(
      names = "--duration",
      defaultValue = "10s",
      converter = DurationConverter.class,
      description = "wrk duration (-d) for --run, whole seconds (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(
      names = "--wrk",
      defaultValue = "wrk",
      description = "The wrk executable (default: ${DEFAULT-VALUE}).")
  String wrk;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path traceFile = trace;
    if (traceFile == null) {
      traceFile = script.resolveSibling(script.getFileName() + ".trace.txt");
      long n = TraceFormat.write(traceFile, Workload.generate(workload.spec()));
      out.printf("trace: %d requests -> %s%n", n, traceFile);
    }
    Files.writeString(
        script, WrkScript.lua(traceFile, threads, countXCache), StandardCharsets.UTF_8);
    List<String> command = command();
    out.printf("script: %s%nrun: %s%n", script, String.join(" ", command));
    out.flush();
    if (!run) {
      return 0;
    }
    if (target == null) {
      spec.commandLine().getErr().println("--run needs --target");
      return 1;
    }
    return runWrk(command, out);
  }

  List<String> command() {
    List<String> c =
        new ArrayList<>(
            List.of(
                wrk,
                "-t" + threads,
                "-c" + Math.max(connections, threads),
                "-d" + Math.max(1, duration.toSeconds()) + "s",
                "--latency",
                "-s",
                script.toAbsolutePath().toString()));
    c.add(target != null ? target.toString() : "<target>");
    return c;
  }

  private int runWrk(List<String> command, PrintWriter out)
      throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      spec.commandLine()
          .getErr()
          .println(
              "cannot run " + wrk + " (" + e.getMessage() + "); on Debian: apt-get install wrk");
      return 127;
    }
    // wrk ends by itself after -d; the bound below only guards against a hung wrk.
    try (Reader in = new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)) {
      Thread pump =
          Thread.ofPlatform()
              .daemon()
              .start(
                  () -> {
                    try {
                      in.transferTo(out);
                    } catch (IOException e) {
                      // the process ended
                    }
                  });
      if (!p.waitFor(duration.toSeconds() + 30, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        spec.commandLine()
            .getErr()
            .println(wrk + " did not end after " + (duration.toSeconds() + 30) + " s; killed");
        return 124;
      }
      pump.join(TimeUnit.SECONDS.toMillis(5));
    }
    out.flush();
    return p.exitValue();
  }
}

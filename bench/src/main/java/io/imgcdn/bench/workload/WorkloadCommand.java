package io.imgcdn.bench.workload;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code workload}: writes a trace file and, optionally, the originals into a folder. */
@Command(
    name = "workload",
    description = "Generate a workload: the trace file, and the originals into a folder.")
public final class WorkloadCommand implements Callable<Integer> {

  @Mixin WorkloadOptions options;

  @Option(names = "--trace", required = true, description = "Trace file to write.")
  Path trace;

  @Option(
      names = "--objects-dir",
      description = "Write every original to <dir>/<key> (a local-folder bucket).")
  Path objectsDir;

  @Option(
      names = "--threads",
      defaultValue = "2",
      description = "Threads that make and put objects (default: ${DEFAULT-VALUE}).")
  int threads;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Workload w = Workload.generate(options.spec());
    SizeModel m = w.spec().sizes();
    out.printf(
        "size model: spliced lognormal mu=%.4f sigma=%.4f, p95=%d B, floor=%d B, cap=%d B, tail"
            + " weight %.3f%n",
        m.mu(), m.sigma(), m.quantileBytes(), m.floorBytes(), m.capBytes(), m.tailWeight());
    out.printf(
        "originals: %d, %d bytes (mean %.1f KiB); catalogue incl. variants in the mix: %d bytes%n",
        w.originalCount(),
        w.originalBytes(),
        w.originalBytes() / 1024.0 / w.originalCount(),
        w.catalogueBytes());
    long n = TraceFormat.write(trace, w);
    out.printf("trace: %d requests -> %s%n", n, trace);
    if (objectsDir != null) {
      WorkloadUploader.Result r =
          WorkloadUploader.upload(w, new DirectoryObjectSink(objectsDir), threads);
      out.printf("objects: %d (%d bytes) -> %s%n", r.objects(), r.bytes(), objectsDir);
    }
    out.flush();
    return 0;
  }
}

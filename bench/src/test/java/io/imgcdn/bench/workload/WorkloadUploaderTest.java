package io.imgcdn.bench.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkloadUploaderTest {

  @TempDir Path dir;

  @Test
  void upload_toDirectory_everyOriginalWithItsBytes() throws IOException {
    Workload w = Workload.generate(WorkloadSpec.defaults(8).withOriginals(60).withRequests(0));

    WorkloadUploader.Result result = WorkloadUploader.upload(w, new DirectoryObjectSink(dir), 2);

    assertThat(result.objects()).isEqualTo(60);
    assertThat(result.bytes()).isEqualTo(w.originalBytes());
    for (int i = 0; i < 60; i++) {
      assertThat(Files.readAllBytes(dir.resolve(w.key(i)))).isEqualTo(w.body(i));
    }
  }

  @Test
  void upload_sinkReceivesKeyAndContentType() throws IOException {
    Workload w = Workload.generate(WorkloadSpec.defaults(8).withOriginals(10).withRequests(0));
    ConcurrentHashMap<String, String> types = new ConcurrentHashMap<>();

    WorkloadUploader.upload(w, (key, body, type) -> types.put(key, type), 3);

    assertThat(types).hasSize(10).containsEntry("img/000003.jpg", "image/jpeg");
  }

  @Test
  void upload_sinkFails_throwsItsException() {
    Workload w = Workload.generate(WorkloadSpec.defaults(8).withOriginals(10).withRequests(0));

    assertThatThrownBy(
            () ->
                WorkloadUploader.upload(
                    w,
                    (key, body, type) -> {
                      throw new IOException("bucket gone: " + key);
                    },
                    1))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("bucket gone: img/");
  }

  @Test
  void directorySink_objects_readableByOthers() throws IOException {
    new DirectoryObjectSink(dir).put("img/a.jpg", new byte[] {1, 2, 3}, "image/jpeg");

    // A folder bucket is served by other users (nginx's www-data): rw-r--r--, not createTempFile's
    // rw-------.
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("img/a.jpg"))))
        .isEqualTo("rw-r--r--");
    assertThat(Files.readAllBytes(dir.resolve("img/a.jpg"))).containsExactly(1, 2, 3);
  }

  @Test
  void directorySink_keyEscapingRoot_throws() {
    assertThatThrownBy(() -> new DirectoryObjectSink(dir).put("../x", new byte[1], "image/jpeg"))
        .hasMessageContaining("key: ../x (expected: relative");
  }
}

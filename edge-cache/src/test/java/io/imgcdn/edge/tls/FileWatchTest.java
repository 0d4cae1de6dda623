package io.imgcdn.edge.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileWatchTest {
  @TempDir Path dir;

  @Test
  void settledChange_reportsAChangeOnceTheFilesStoodStillForOneCheck() throws Exception {
    Path chain = Files.writeString(dir.resolve("chain.pem"), "one");
    Path key = Files.writeString(dir.resolve("key.pem"), "one");
    FileWatch watch = new FileWatch(List.of(chain, key));
    assertThat(watch.settledChange()).as("nothing changed").isFalse();

    Files.writeString(chain, "two!");
    assertThat(watch.settledChange()).as("changed just now: wait").isFalse();
    Files.writeString(key, "two!");
    assertThat(watch.settledChange()).as("changed again: wait").isFalse();
    assertThat(watch.settledChange()).as("still since the last check").isTrue();
    assertThat(watch.settledChange()).as("reported once").isFalse();
  }

  @Test
  void settledChange_seesAReplacementOfTheSameSize_andAFileComingBack() throws Exception {
    Path chain = Files.writeString(dir.resolve("chain.pem"), "one");
    FileWatch watch = new FileWatch(List.of(chain));
    Path next = Files.writeString(dir.resolve("next.pem"), "two");
    Files.move(next, chain, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    assertThat(watch.settledChange()).isFalse();
    assertThat(watch.settledChange()).as("a new file under the same name").isTrue();

    Files.delete(chain);
    assertThat(watch.settledChange()).isFalse();
    assertThat(watch.settledChange()).as("gone: the reader reports it").isTrue();
    Files.writeString(chain, "three");
    assertThat(watch.settledChange()).isFalse();
    assertThat(watch.settledChange()).as("back").isTrue();
  }
}

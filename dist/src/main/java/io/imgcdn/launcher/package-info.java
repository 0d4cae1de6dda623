/** The {@code imgcdn} launcher: its commands (demo, ring, purge, warm) and a local cluster. */
@NullMarked
package io.imgcdn.launcher;

import org.jspecify.annotations.NullMarked;

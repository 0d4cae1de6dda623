/** An S3 server in the JVM for the demo and the tests. */
@NullMarked
package io.imgcdn.s3embedded;

import org.jspecify.annotations.NullMarked;

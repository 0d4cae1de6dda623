/** Reading originals from S3. */
@NullMarked
package io.imgcdn.origin.source;

import org.jspecify.annotations.NullMarked;

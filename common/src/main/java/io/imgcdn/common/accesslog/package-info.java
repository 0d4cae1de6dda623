/** Access logs every tier writes, one line per request. */
@NullMarked
package io.imgcdn.common.accesslog;

import org.jspecify.annotations.NullMarked;

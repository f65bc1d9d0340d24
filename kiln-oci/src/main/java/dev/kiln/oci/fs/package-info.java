/**
 * The few Linux file-system calls Java lacks, through the FFM API (java.lang.foreign): extended
 * attributes of any namespace without following symlinks, mknod for devices and overlay
 * whiteouts, chmod and utimensat that do not open the file, and lstat through the JDK.
 * Callers need {@code --enable-native-access=ALL-UNNAMED} (or the module's name) to avoid warnings.
 */
package dev.kiln.oci.fs;

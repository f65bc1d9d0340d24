/**
 * Shell-word expansion for Dockerfile arguments ({@link dev.kiln.dockerfile.shell.ShellLex}):
 * quotes, escapes and {@code $VAR}/{@code ${VAR...}} forms with BuildKit's semantics, plus which
 * variables a word used. No command is ever executed.
 */
package dev.kiln.dockerfile.shell;

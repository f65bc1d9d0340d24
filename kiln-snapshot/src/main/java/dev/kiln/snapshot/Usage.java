package dev.kiln.snapshot;

/**
 * Disk usage of one snapshot's own diff (its upper directory), not of the chain below it.
 *
 * @param size apparent bytes of the regular files and symlinks in the diff, hard links counted once
 * @param inodes distinct inodes (files, directories, links, whiteouts) in the diff, including its root
 */
public record Usage(long size, long inodes) {

    public Usage {
        if (size < 0 || inodes < 0) {
            throw new IllegalArgumentException("usage must not be negative: " + size + " bytes, " + inodes + " inodes");
        }
    }
}

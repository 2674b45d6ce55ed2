package io.bitnettt.cli;

import java.io.InputStream;
import java.io.PrintStream;

/**
 * What a command talks to: standard input and output for the model's text, standard error for
 * everything else (banners, warnings, statistics, errors), and Ctrl-C.
 */
record Console(InputStream in, PrintStream out, PrintStream err, Interrupts interrupts) {
}

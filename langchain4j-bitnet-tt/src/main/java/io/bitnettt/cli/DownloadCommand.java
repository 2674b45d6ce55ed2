package io.bitnettt.cli;

import io.bitnettt.download.HubDownloader;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** {@code bitnet download [REPO] [--dir DIR] [--revision REV] [--endpoint URL]}. */
final class DownloadCommand {
    static final String USAGE = """
            usage: bitnet download [REPO] [--dir DIR] [--revision REV] [--endpoint URL]
              REPO              Hugging Face repository (default microsoft/bitnet-b1.58-2B-4T)
              --dir DIR         target folder (default: models/<repo name>)
              --revision REV    branch, tag or commit (default main)
              --endpoint URL    hub address (default https://huggingface.co, or $HF_ENDPOINT)
            Partial files resume; sizes and sha256 are checked against the hub's metadata.
            A token in $HF_TOKEN is sent for gated repositories.""";

    private DownloadCommand() {
    }

    static int run(List<String> argv, PrintStream out, PrintStream err) throws IOException {
        CliArgs args = new CliArgs(argv, Set.of("dir", "revision", "endpoint"), Set.of());
        if (args.positional().size() > 1) {
            throw new CliArgs.UsageException("download takes one repository, got " + args.positional());
        }
        String repo = args.positional().isEmpty() ? HubDownloader.DEFAULT_REPO : args.positional().getFirst();
        String endpoint = args.string("endpoint", System.getenv().getOrDefault("HF_ENDPOINT",
                HubDownloader.DEFAULT_BASE_URL.toString()));
        Path dir = Path.of(args.string("dir", "models/" + repo.substring(repo.lastIndexOf('/') + 1)));
        HubDownloader downloader = HubDownloader.builder().baseUrl(endpoint).token(System.getenv("HF_TOKEN"))
                .progress(err).build();
        Path done = downloader.download(repo, args.string("revision", HubDownloader.DEFAULT_REVISION), dir);
        out.println("downloaded " + repo + " to " + done);
        return 0;
    }
}

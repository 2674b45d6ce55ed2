package io.bitnettt.cli;

import io.bitnettt.download.HubDownloader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code bitnet download [REPO] [--dir DIR] [--revision REV] [--endpoint URL]}. */
@Command(name = "download", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Download a model from the Hugging Face hub, with a progress bar on standard error.",
                "Partial files resume; sizes and sha256 are checked against the hub's metadata. "
                        + "A token in $HF_TOKEN is sent for gated repositories."})
final class DownloadCommand implements Callable<Integer> {
    private final Console console;

    @Parameters(arity = "0..1", paramLabel = "REPO", defaultValue = HubDownloader.DEFAULT_REPO,
            description = "Hugging Face repository (default: ${DEFAULT-VALUE})")
    String repo;

    @Option(names = "--dir", paramLabel = "DIR", description = "target folder (default: models/<repository name>)")
    Path dir;

    @Option(names = "--revision", paramLabel = "REV", defaultValue = HubDownloader.DEFAULT_REVISION,
            description = "branch, tag or commit (default: ${DEFAULT-VALUE})")
    String revision;

    @Option(names = "--endpoint", paramLabel = "URL",
            description = "hub address (default: $HF_ENDPOINT, else https://huggingface.co)")
    String endpoint;

    @Mixin
    LoggingOptions logging;

    DownloadCommand(Console console) {
        this.console = console;
    }

    @Override
    public Integer call() throws IOException {
        String base = endpoint != null ? endpoint
                : System.getenv().getOrDefault("HF_ENDPOINT", HubDownloader.DEFAULT_BASE_URL.toString());
        Path target = dir != null ? dir : Path.of("models", repo.substring(repo.lastIndexOf('/') + 1));
        HubDownloader downloader = HubDownloader.builder().baseUrl(base).token(System.getenv("HF_TOKEN"))
                .progress(console.err()).build();
        Path done = downloader.download(repo, revision, target);
        console.out().println("downloaded " + repo + " to " + done);
        return 0;
    }
}

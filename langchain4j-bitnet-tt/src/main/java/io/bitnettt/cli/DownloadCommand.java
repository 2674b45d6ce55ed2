package io.bitnettt.cli;

import io.bitnettt.download.FileSelection;
import io.bitnettt.download.HubDownloader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code bitnet download [REPO] [--file PATH]... [--dir DIR] [--revision REV] [--endpoint URL]}. */
@Command(name = "download", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Download a model from the Hugging Face hub, with a progress bar on standard error.",
                "A model folder comes whole; a GGUF repository (GGUF files, no config.json) gives its one .gguf "
                        + "file, or the one named with --file.",
                "Partial files resume; sizes and sha256 are checked against the hub's metadata. "
                        + "A token in $HF_TOKEN is sent for gated repositories."})
final class DownloadCommand implements Callable<Integer> {
    private final Console console;

    @Parameters(arity = "0..1", paramLabel = "REPO", defaultValue = HubDownloader.DEFAULT_REPO,
            description = "Hugging Face repository (default: ${DEFAULT-VALUE})")
    String repo;

    @Option(names = "--file", paramLabel = "PATH",
            description = "only this file of the repository, e.g. ggml-model-i2_s.gguf (repeatable)")
    List<String> files = new ArrayList<>();

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
        FileSelection selection = files.isEmpty() ? FileSelection.model() : FileSelection.paths(files);
        List<Path> done = downloader.download(repo, revision, target, selection);
        // A single GGUF file is the model; otherwise the folder is.
        Path model = done.size() == 1 && done.getFirst().toString().endsWith(".gguf") ? done.getFirst() : target;
        console.out().println("downloaded " + repo + " to " + model);
        return 0;
    }
}

// Framework data loader: the `fourier_embed` checkpoint table (schema: README, "Checkpoint tables").
import {runCheckpointTableLoader} from "../../data-loaders/checkpoints/tables/table-loader.js";

await runCheckpointTableLoader("fourier_embed");

# Reconstructed from the Foundry documentation ("Spark sidecar transforms", the example
# image for the flag-file protocol): its first lines are quoted by the page's
# translation; the remainder follows the page's description.
FROM fedora:38

# Add the entrypoint.py file to /usr/bin/entrypoint
ADD entrypoint.py /usr/bin/entrypoint
# Make the entrypoint executable
RUN chmod +x /usr/bin/entrypoint
# Create the shared directory
RUN mkdir -p /opt/palantir/sidecars/shared-volumes/shared/
# Change the owner of the shared directory to user 5001
RUN chown 5001 /opt/palantir/sidecars/shared-volumes/shared/
# Set the shared directory as an environment variable
ENV SHARED_DIR=/opt/palantir/sidecars/shared-volumes/shared
# Run as user 5001
USER 5001
# Run the entrypoint, which waits for start_flag and runs the command
ENTRYPOINT entrypoint -c "dd if=$SHARED_DIR/infile.csv of=$SHARED_DIR/outfile.csv"
#> foundry-sidecar: clean

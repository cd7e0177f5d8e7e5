/** The commented starting point that "Create Cluster File" and `pgpool-cluster init` write. Pure text; checked by a unit test. */
export const CLUSTER_FILE_TEMPLATE = `# pgpool-cluster.yaml: the PostgreSQL clusters behind pgpool-II that this workspace manages.
# Never put a password here: SSH passphrases and passwords are asked once and kept in the editor's
# secret storage; database passwords come from a .pgpass file (database.passfile) or ~/.pgpass.
version: 1
clusters:
  - name: main
    postgresVersion: 15        # PostgreSQL major, when it cannot be detected
    pgpoolVersion: "4.3"
    ssh:                       # defaults for every host below; ~/.ssh/config and ssh-agent are honoured
      user: postgres
      port: 22
      # identityFile: ~/.ssh/id_ed25519
      # knownHostsFile: ~/.ssh/known_hosts
      # proxyJump: bastion.example.com
      # sudoUser: postgres     # run remote commands as sudo -n -u postgres
    database:
      user: postgres
      name: postgres
      # passfile: ~/.pgpass
      # sslmode: prefer
      # tunnel: true           # reach PostgreSQL through an SSH tunnel to each node
    replication:
      user: replicator
    pgpool:
      - name: pgpool
        host: 127.0.0.1
        port: 9999
        pcpPort: 9898
        pcpUser: pcpadmin
        # pcpPassFile: /var/lib/postgresql/.pcppass   # on the pgpool host
        # configFile: /etc/pgpool2/pgpool.conf
    nodes:                     # id = pgpool backend id (backend_hostnameN)
      - name: node0
        id: 0
        host: 127.0.0.1
        port: 5432
        # dataDirectory: /var/lib/postgresql/15/main
        # binDir: /usr/lib/postgresql/15/bin
      - name: node1
        id: 1
        host: 127.0.0.2
        port: 5432
`;

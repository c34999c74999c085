FROM node:20-bookworm-slim
WORKDIR /opt/vigil
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY test ./test
COPY bench ./bench
COPY plugins ./plugins
COPY listeners ./listeners
COPY scripts ./scripts
RUN npm ci && npm link
CMD ["vigild", "-n", "-c", "/etc/vigil/vigild.conf"]
